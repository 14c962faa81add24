package dev.jcloud.providers.aws;

import static dev.jcloud.terraform.Records.SHA;
import static dev.jcloud.terraform.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.FixedCluster;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A running EC2 or Fargate cluster's record becomes the same spec, with a fresh cluster id. */
class AwsRecordExportTest {

    private static AwsSpec spec(ClusterRecord r, Optional<EngineArtifact> engine) {
        return (AwsSpec) new Ec2TerraformExport().spec(FixedCluster.of(r), r.options(), engine);
    }

    @Test
    void aws() {
        AwsSpec s = spec(
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
    void fargate() {
        FargateSpec f = fargate(
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
    }

    @Test
    void anAbsentEngineIsRefused() {
        assertThatThrownBy(() -> spec(record("aws", 2, Map.of()), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--engine-url");
    }

    private static FargateSpec fargate(ClusterRecord r, Optional<EngineArtifact> engine) {
        return (FargateSpec) new FargateTerraformExport().spec(FixedCluster.of(r), r.options(), engine);
    }
}
