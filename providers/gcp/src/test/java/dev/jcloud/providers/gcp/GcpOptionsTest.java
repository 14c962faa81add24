package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Input validation, names, labels and IAM policy edits, without any endpoint. */
class GcpOptionsTest {

    private static ClusterContext cluster(Map<String, String> options) {
        Map<String, String> o = new HashMap<>(options);
        o.putIfAbsent(GcpOptions.PROJECT, "my-project-1");
        return new ClusterContext("c1", "0123456789ab", Path.of("."), o);
    }

    @Test
    void serviceLoaderFindsTheProviderAsGcp() {
        assertThat(CloudProviders.load().require("gcp")).isInstanceOf(GcpProvider.class);
    }

    @Test
    void defaultsAreUsable() {
        GcpOptions o = GcpOptions.of(cluster(Map.of()));
        assertThat(o.zone()).isEqualTo("us-central1-a");
        assertThat(o.region()).isEqualTo("us-central1");
        assertThat(o.zones()).containsExactly("us-central1-a");
        assertThat(o.machineType()).isEqualTo("e2-standard-4");
        assertThat(o.schedulerMachineType()).isEqualTo("e2-standard-2");
        assertThat(o.spot()).isFalse();
        assertThat(o.network()).isEqualTo("projects/my-project-1/global/networks/default");
        assertThat(o.subnetwork()).isEmpty();
        assertThat(o.image()).isEqualTo("projects/debian-cloud/global/images/family/debian-12");
        assertThat(o.maxWorkers()).isEqualTo(1000);
        assertThat(o.allowFrom()).isEmpty();
        assertThat(o.endpoint()).isEmpty();
    }

    @Test
    void valuesAreReadAndNormalised() {
        GcpOptions o = GcpOptions.of(cluster(Map.of(
                GcpOptions.ZONE,
                "europe-west1-b",
                GcpOptions.ZONES,
                "europe-west1-c, europe-west1-b,europe-west1-d",
                GcpOptions.SPOT,
                "TRUE",
                GcpOptions.NETWORK,
                "vpc1",
                GcpOptions.SUBNETWORK,
                "sub1",
                GcpOptions.ALLOW_FROM,
                "10.0.0.0/8, 203.0.113.7/32",
                GcpOptions.LABEL_PREFIX + "team",
                "data-eng",
                GcpOptions.ENDPOINT,
                "http://127.0.0.1:8080")));
        assertThat(o.zones()).containsExactly("europe-west1-b", "europe-west1-c", "europe-west1-d");
        assertThat(o.spot()).isTrue();
        assertThat(o.network()).isEqualTo("projects/my-project-1/global/networks/vpc1");
        assertThat(o.subnetwork()).hasValue("projects/my-project-1/regions/europe-west1/subnetworks/sub1");
        assertThat(o.allowFrom()).containsExactly("10.0.0.0/8", "203.0.113.7/32");
        assertThat(o.userLabels()).containsExactly(Map.entry("team", "data-eng"));
        assertThat(o.endpoint()).hasValueSatisfying(u -> assertThat(u.getPort()).isEqualTo(8080));
        assertThat(GcpOptions.of(cluster(Map.of(GcpOptions.NETWORK, "projects/host-proj/global/networks/shared")))
                        .network())
                .isEqualTo("projects/host-proj/global/networks/shared");
    }

    @Test
    void badValuesNameTheOptionAndWhatToUse() {
        assertThatThrownBy(() -> GcpOptions.of(new ClusterContext("c1", "ab", Path.of("."), Map.of())))
                .hasMessage("set the Google Cloud project with gcp.project (--project), e.g. my-project-123");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.PROJECT, "My_Project"))))
                .hasMessageStartingWith("invalid gcp.project 'My_Project': use a project id");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.ZONE, "us-central1"))))
                .hasMessage("invalid gcp.zone 'us-central1': use a zone such as us-central1-a or europe-west1-b");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.ZONES, "us-east1-b"))))
                .hasMessageContaining("invalid gcp.zones 'us-east1-b': use zones of region us-central1");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.SUBNETWORK, "sub1"))))
                .hasMessageContaining("gcp.subnetwork needs gcp.network");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(
                        GcpOptions.NETWORK,
                        "n",
                        GcpOptions.SUBNETWORK,
                        "projects/p/regions/europe-west1/subnetworks/s"))))
                .hasMessageContaining("a subnetwork of region us-central1");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.NETWORK, "Bad Net"))))
                .hasMessageContaining("invalid gcp.network 'Bad Net'");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.ALLOW_FROM, "1.2.3.4"))))
                .hasMessageContaining("gcp.allow-from must be")
                .hasMessageContaining("(was '1.2.3.4')");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.MAX_WORKERS, "-1"))))
                .hasMessage("gcp.max-workers must be a whole number from 0 to 100000 (was -1)");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.IMAGE, "ami-0123abcd"))))
                .hasMessageContaining("invalid gcp.image 'ami-0123abcd'");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.SERVICE_ACCOUNT, "nobody"))))
                .hasMessageContaining("invalid gcp.service-account 'nobody'");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.LABEL_PREFIX + "jcloud-x", "v"))))
                .hasMessageContaining("not with 'jcloud-'");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.LABEL_PREFIX + "team", "Data Eng"))))
                .hasMessageContaining("invalid gcp.label.team 'Data Eng'");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.ENDPOINT, "http://compute.example.com"))))
                .hasMessageContaining("invalid gcp.endpoint")
                .hasMessageContaining("http://127.0.0.1:PORT");
        assertThatThrownBy(() -> GcpOptions.of(cluster(Map.of(GcpOptions.ENDPOINT, "https://x.example/compute/v1"))))
                .hasMessageContaining("(no path)");
        assertThatThrownBy(() -> GcpOptions.of(
                        new ClusterContext("c1", "Not-Hex", Path.of("."), Map.of(GcpOptions.PROJECT, "my-project-1"))))
                .hasMessageContaining("cluster id 'Not-Hex'");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            many.put(GcpOptions.LABEL_PREFIX + "l" + i, "v");
        }
        assertThatThrownBy(() -> GcpOptions.of(cluster(many))).hasMessageContaining("GCP allows 64 labels");
    }

    @Test
    void clusterTagKeysBecomeGcpLabelKeys() {
        assertThat(List.of(Labels.CLUSTER, Labels.CLUSTER_ID, Labels.ROLE, Labels.NODE))
                .containsExactly("jcloud-cluster", "jcloud-cluster-id", "jcloud-role", "jcloud-node");
        assertThat(Labels.value("Alice.Smith@Example.com")).isEqualTo("alice_smith_example_com");
        assertThat(Labels.value("x".repeat(70))).hasSize(63);
        assertThat(Labels.value("0.1.0-SNAPSHOT")).isEqualTo("0_1_0-snapshot");
        GcpOptions o = GcpOptions.of(cluster(Map.of(GcpOptions.LABEL_PREFIX + "jcloud", "user-value")));
        assertThat(Labels.of(cluster(Map.of()), o, "runner@p.iam.gserviceaccount.com"))
                .containsEntry("jcloud-cluster", "c1")
                .containsEntry("jcloud-cluster-id", "0123456789ab")
                .containsEntry("jcloud-creator", "runner_p_iam_gserviceaccount_com")
                .containsEntry("jcloud", "user-value")
                .allSatisfy((k, v) -> {
                    assertThat(k).matches("[a-z][a-z0-9_-]{0,62}");
                    assertThat(v).matches("[a-z0-9_-]{0,63}");
                });
    }

    @Test
    void namesFitGceLimitsAndCarryTheClusterId() {
        ClusterContext longest = new ClusterContext("a" + "b".repeat(39), "0123456789ab", Path.of("."), Map.of());
        String worker = GceNames.instanceName(longest, longest.name() + "-worker-999999");
        assertThat(worker).hasSize(63).endsWith("-01234567");
        assertThat(GceNames.nodeName(longest, worker)).hasValue(longest.name() + "-worker-999999");
        assertThatThrownBy(() -> GceNames.instanceName(longest, longest.name() + "-worker-1000000"))
                .hasMessageContaining("use a shorter cluster name");
        ClusterContext c = cluster(Map.of());
        assertThat(GceNames.serviceAccountEmail(c, "my-project-1"))
                .isEqualTo("jcloud-0123456789ab@my-project-1.iam.gserviceaccount.com");
        assertThat(GceNames.serviceAccountEmail(c, "example.com:proj"))
                .isEqualTo("jcloud-0123456789ab@proj.example.com.iam.gserviceaccount.com");
        assertThat(GceNames.parseDescription(GceNames.description(c, "what", 1700000000L)))
                .hasValue(new GceNames.Described("c1", "0123456789ab", 1700000000L));
        assertThat(GceNames.parseDescription("someone else's rule")).isEmpty();
    }

    @Test
    void spotWorkersTrySpotInEveryZoneBeforeOnDemandAndTheSchedulerIsNeverSpot() {
        GcpOptions o = GcpOptions.of(
                cluster(Map.of(GcpOptions.SPOT, "true", GcpOptions.ZONES, "us-central1-b,us-central1-c")));
        assertThat(GcpProvider.attempts(o, NodeRole.WORKER, "us-central1-b"))
                .extracting(a -> a.zone() + (a.spot() ? "+spot" : ""))
                .containsExactly(
                        "us-central1-b+spot",
                        "us-central1-a+spot",
                        "us-central1-c+spot",
                        "us-central1-b",
                        "us-central1-a",
                        "us-central1-c");
        assertThat(GcpProvider.attempts(o, NodeRole.SCHEDULER, "us-central1-a"))
                .extracting(a -> a.zone() + (a.spot() ? "+spot" : ""))
                .containsExactly("us-central1-a", "us-central1-b", "us-central1-c");
    }

    @Test
    void grantsAddTheMemberOnceAndRevokeRemovesOnlyIt() throws Exception {
        ObjectNode policy = (ObjectNode)
                GoogleRest.JSON.readTree(
                        "{\"bindings\":[{\"role\":\"roles/compute.viewer\","
                                + "\"members\":[\"user:a@example.com\"]},{\"role\":\"roles/owner\",\"members\":[\"user:o@example.com\"]}]}");
        ClusterContext c = cluster(Map.of());
        String member = "serviceAccount:jcloud-0123456789ab@p.iam.gserviceaccount.com";
        ClusterServiceAccount.grant(policy, member, ClusterServiceAccount.grants(c));
        ClusterServiceAccount.grant(policy, member, ClusterServiceAccount.grants(c));
        assertThat(policy.toString()).containsOnlyOnce(member + "\"]}").contains("user:a@example.com\",\"" + member);
        assertThat(policy.get("bindings")).hasSize(4);
        assertThat(policy.toString())
                .contains("resource.name.extract(\\\"/instances/{name}\\\").endsWith(\\\"-01234567\\\")");
        ClusterServiceAccount.revoke(policy, member);
        assertThat(policy.toString())
                .isEqualTo(
                        "{\"bindings\":[{\"role\":\"roles/compute.viewer\",\"members\":"
                                + "[\"user:a@example.com\"]},{\"role\":\"roles/owner\",\"members\":[\"user:o@example.com\"]}]}");
    }
}
