package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A running cluster's record becomes the same spec, with a fresh cluster id. */
class ClusterRecordsTest {

    static final String SHA = "e".repeat(64);

    static ClusterRecord record(String provider, int workers, Map<String, String> options) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("i-0", "prod-scheduler", NodeRole.SCHEDULER));
        for (int i = 1; i <= workers; i++) {
            nodes.add(new Node("i-" + i, "prod-worker-" + i, NodeRole.WORKER));
        }
        return new ClusterRecord(
                "prod",
                "0123456789ab",
                provider,
                "10.0.0.1:8786",
                null,
                0L,
                3,
                "5GiB",
                "60s",
                "20m",
                workers + 1,
                nodes,
                options,
                0L);
    }

    @Test
    void aws() {
        AwsSpec s = (AwsSpec) ClusterRecords.toSpec(
                record(
                        "aws",
                        4,
                        Map.of(
                                "aws.region",
                                "eu-west-2",
                                "aws.worker-type",
                                "c6i.xlarge",
                                "aws.vpc",
                                "new",
                                "aws.allow-from",
                                "203.0.113.7/32, 198.51.100.0/24",
                                "aws.ami",
                                "ami-0123456789abcdef0",
                                "aws.engine-url",
                                "https://example.invalid/e.jar",
                                "aws.engine-sha256",
                                SHA,
                                "aws.tag.team",
                                "data")),
                Optional.empty());
        assertThat(s.cluster().name()).isEqualTo("prod");
        assertThat(s.cluster().clusterId()).isNotEqualTo("0123456789ab").matches("[0-9a-f]{12}");
        assertThat(s.cluster().workers()).isEqualTo(4);
        assertThat(s.cluster().nthreads()).isEqualTo(3);
        assertThat(s.cluster().memoryLimit()).isEqualTo("5GiB");
        assertThat(s.cluster().allowFrom()).containsExactly("203.0.113.7/32", "198.51.100.0/24");
        assertThat(s.cluster().tags()).containsEntry("team", "data");
        assertThat(s.region()).isEqualTo("eu-west-2");
        assertThat(s.workerType()).isEqualTo("c6i.xlarge");
        assertThat(s.schedulerType()).isEqualTo("m6i.large");
        assertThat(s.ami()).contains("ami-0123456789abcdef0");
        assertThat(s.network()).isEqualTo(AwsNetwork.newVpc());
        assertThat(s.engine().url()).isEqualTo(URI.create("https://example.invalid/e.jar"));
    }

    @Test
    void anEngineGivenNowWinsOverTheRecordedOne() {
        EngineArtifact given = EngineArtifact.of(URI.create("https://example.invalid/other.tar.gz"), "f".repeat(64));
        GcpSpec s = (GcpSpec) ClusterRecords.toSpec(
                record(
                        "gcp",
                        2,
                        Map.of(
                                "gcp.project",
                                "p-123456",
                                "gcp.zone",
                                "europe-west4-b",
                                "gcp.machine-type",
                                "n2-standard-8",
                                "gcp.spot",
                                "true",
                                "gcp.label.team",
                                "data")),
                Optional.of(given));
        assertThat(s.engine()).isEqualTo(given);
        assertThat(s.project()).contains("p-123456");
        assertThat(s.zone()).isEqualTo("europe-west4-b");
        assertThat(s.workerMachineType()).isEqualTo("n2-standard-8");
        assertThat(s.schedulerMachineType()).isEqualTo("n2-standard-8");
        assertThat(s.spot()).isTrue();
        assertThat(s.cluster().tags()).containsEntry("team", "data");
    }

    @Test
    void fargateAndAzure() {
        FargateSpec f = (FargateSpec) ClusterRecords.toSpec(
                record(
                        "fargate",
                        6,
                        Map.of(
                                "aws.region",
                                "us-west-2",
                                "fargate.image",
                                "example.org/engine:1",
                                "fargate.worker-cpu",
                                "2048",
                                "fargate.worker-memory",
                                "8192",
                                "fargate.spot",
                                "true",
                                "aws.subnet",
                                "subnet-0123456789abcdef0")),
                Optional.empty());
        assertThat(f.region()).isEqualTo("us-west-2");
        assertThat(f.image()).contains("example.org/engine:1");
        assertThat(f.workerCpu()).isEqualTo(2048);
        assertThat(f.workerMemory()).isEqualTo(8192);
        assertThat(f.spot()).isTrue();
        assertThat(f.network()).isEqualTo(AwsNetwork.subnet("subnet-0123456789abcdef0"));
        assertThat(f.cluster().workers()).isEqualTo(6);

        AzureSpec a = (AzureSpec) ClusterRecords.toSpec(
                record(
                        "azure",
                        1,
                        Map.of(
                                "azure.location",
                                "westeurope",
                                "azure.vm-size",
                                "Standard_D8s_v5",
                                "azure.engine-url",
                                "https://example.invalid/e.jar",
                                "azure.engine-sha256",
                                SHA)),
                Optional.empty());
        assertThat(a.location()).isEqualTo("westeurope");
        assertThat(a.workerSize()).isEqualTo("Standard_D8s_v5");
        assertThat(a.spot()).isFalse();
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> ClusterRecords.toSpec(record("local", 2, Map.of()), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("provider local");
        assertThatThrownBy(() -> ClusterRecords.toSpec(record("aws", 2, Map.of()), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--engine-url");
        assertThatThrownBy(() -> ClusterRecords.toSpec(record("gcp", 2, Map.of("gcp.spot", "yes")), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gcp.spot");
    }
}
