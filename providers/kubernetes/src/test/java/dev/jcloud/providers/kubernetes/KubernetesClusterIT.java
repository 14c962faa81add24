package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusters of pods on the test platform (fabric8's mock API server with a garbage collector and a
 * kubelet that runs the pods as real engine JVMs on loopback), driven as a user drives them.
 */
class KubernetesClusterIT {

    @TempDir
    static Path dir;

    static TestPlatform platform;

    @BeforeAll
    static void start() {
        platform = new TestPlatform(dir);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    private KubernetesCluster.Builder builder(String name) {
        KubernetesCluster.Builder b = KubernetesCluster.builder()
                .name(name)
                .stateDirectory(dir.resolve("state-" + name))
                .startTimeout(Duration.ofSeconds(90));
        for (Map.Entry<String, String> e : platform.options().entrySet()) {
            b.setting(e.getKey(), e.getValue());
        }
        return b;
    }

    @Test
    void upComputesAGraphAndCloseRemovesEveryObject() throws Exception {
        try (KubernetesCluster cluster = builder("graph").workers(2).build();
                Client client = cluster.connect()) {
            assertThat(client.summary().workers()).hasSize(2);
            List<Long> squares = client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L, 4L)));
            assertThat(squares).containsExactly(1L, 4L, 9L, 16L);
            assertThat(platform.objects())
                    .extracting(o -> o.getKind())
                    .contains(
                            "Pod",
                            "Service",
                            "Secret",
                            "NetworkPolicy",
                            "Role",
                            "RoleBinding",
                            "ServiceAccount",
                            "ConfigMap");
        }
        assertThat(platform.objects()).isEmpty();
    }
}
