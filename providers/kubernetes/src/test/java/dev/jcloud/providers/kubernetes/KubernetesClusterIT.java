package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ProvisionException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
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
            assertThat(objectsOf("graph"))
                    .extracting(o -> o.substring(0, o.indexOf('/')))
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
        assertThat(objectsOf("graph")).isEmpty();
    }

    @Test
    void scalesUpAndDownByPodName() {
        try (KubernetesCluster cluster = builder("scale").workers(1).build()) {
            cluster.scale(3);
            assertThat(podNames("scale")).hasSize(4).contains("scale-scheduler");
            cluster.scale(1);
            // The scheduler picked the workers to retire; they left gracefully, and exactly their pods ended.
            assertThat(podNames("scale", "Running")).hasSize(2).contains("scale-scheduler");
            assertThat(podNames("scale", "Succeeded")).hasSize(2);
            try (Client client = cluster.connect()) {
                assertThat(client.summary().workers())
                        .extracting(w -> w.name())
                        .containsExactlyElementsOf(podNames("scale", "Running").stream()
                                .filter(n -> n.contains("-worker-"))
                                .toList());
            }
        }
    }

    @Test
    void deletingTheClusterObjectRemovesTheWholeCluster() {
        KubernetesCluster cluster = builder("owner").workers(1).build();
        int processes = platform.kubelet.processes().size();
        assertThat(processes).isGreaterThanOrEqualTo(2);

        platform.admin
                .configMaps()
                .inNamespace(TestPlatform.NAMESPACE)
                .withName("jcloud-owner")
                .delete();

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(objectsOf("owner")).isEmpty());
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(podNames("owner")).isEmpty());
        cluster.close(); // finds nothing left, and forgets the cluster
    }

    @Test
    void anIdleClusterDeletesItselfFromInside() {
        KubernetesCluster cluster =
                builder("idle").workers(1).idleTimeout(Duration.ofSeconds(15)).build();

        // The scheduler's controller deletes the cluster object with the pod's own identity; the gc does the rest.
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(objectsOf("idle")).isEmpty());
        cluster.close();
    }

    @Test
    void theControllerInTheSchedulerPodCreatesWorkerPods() {
        try (KubernetesCluster cluster = builder("adapt").workers(0).adapt(2, 2).build()) {
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(podNames("adapt")).contains("adapt-worker-0", "adapt-worker-1"));
            try (Client client = cluster.connect()) {
                client.waitForWorkers(2, Duration.ofSeconds(60));
            }
        }
    }

    @Test
    void missingPermissionsAreNamedBeforeAnythingIsCreated() {
        platform.api.deny("create roles.rbac.authorization.k8s.io");
        platform.api.deny("list pods");
        try {
            assertThatThrownBy(() -> builder("rbac").workers(1).build())
                    .isInstanceOf(ProvisionException.class)
                    .hasMessageContaining("lacks 2 permission(s) in namespace data")
                    .hasMessageContaining("list pods")
                    .hasMessageContaining("create roles.rbac.authorization.k8s.io")
                    .hasMessageContaining("nothing was created");
        } finally {
            platform.api.allowAll();
        }
        assertThat(objectsOf("rbac")).isEmpty();
        assertThat(platform.objects()).noneMatch(o -> o.getMetadata().getName().contains("rbac"));
    }

    @Test
    void anImageThatCannotBePulledEndsUpWithThePodsEvents() {
        long started = System.nanoTime();
        assertThatThrownBy(() -> builder("pull")
                        .image("registry.example.com/" + FakeKubelet.PULL_FAILS + ":1")
                        .workers(1)
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("the scheduler pod pull-scheduler cannot start: ErrImagePull")
                .hasMessageContaining("Warning Failed: Failed to pull image");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
        assertThat(objectsOf("pull")).isEmpty();
    }

    @Test
    void anEngineThatCrashesEndsUpWithItsLastLogLines() {
        assertThatThrownBy(() -> builder("crash")
                        .image("jcloud-engine:" + FakeKubelet.CRASHES)
                        .workers(1)
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("the scheduler pod crash-scheduler cannot start: the engine exited with code")
                .hasMessageContaining("last lines of its log")
                .hasMessageContaining("no-such-flag");
        assertThat(objectsOf("crash")).isEmpty();
    }

    @Test
    void anUnschedulableWorkerCountsAsRequestedAndSaysWhy() {
        assertThatThrownBy(() -> builder("pending")
                        .nodeSelector(Map.of("pool", "none"))
                        .workers(1)
                        .startTimeout(Duration.ofSeconds(20))
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("only 0 of 1 workers registered")
                .hasMessageContaining("Unschedulable: 0/1 nodes are available");
        assertThat(objectsOf("pending")).isEmpty();
    }

    @Test
    void statusShowsAWorkerPodThatWaitsForANodeAndWhy() {
        try (KubernetesCluster cluster = builder("waits").workers(1).build()) {
            // A pod of this cluster that no node can take, as while a node pool is being scaled up.
            Pod running = platform.admin
                    .pods()
                    .inNamespace(TestPlatform.NAMESPACE)
                    .withName(podNames("waits").stream()
                            .filter(n -> n.contains("-worker-"))
                            .findFirst()
                            .orElseThrow())
                    .get();
            platform.admin
                    .pods()
                    .inNamespace(TestPlatform.NAMESPACE)
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withName("waits-worker-9")
                            .withLabels(running.getMetadata().getLabels())
                            .endMetadata()
                            .withSpec(running.getSpec())
                            .editSpec()
                            .withNodeSelector(Map.of("pool", "none"))
                            .endSpec()
                            .build())
                    .create();
            ClusterStateStore store = new ClusterStateStore(dir.resolve("state-waits"));
            ClusterRecord record = store.load("waits").orElseThrow();
            ClusterContext context = record.context(store.clusterDir("waits"));
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(new KubernetesProvider().waiting(context))
                            .singleElement(as(InstanceOfAssertFactories.STRING))
                            .startsWith("waits-worker-9: pending, Unschedulable: 0/1 nodes are available"));
        }
    }

    private static List<String> podNames(String cluster) {
        return podNames(cluster, null);
    }

    /** The names of the cluster's pods in {@code phase} (any when null). */
    private static List<String> podNames(String cluster, String phase) {
        return platform
                .admin
                .pods()
                .inNamespace(TestPlatform.NAMESPACE)
                .withLabel(Labels.CLUSTER, cluster)
                .list()
                .getItems()
                .stream()
                .filter(p -> phase == null || phase.equals(PodStates.phase(p)))
                .map(p -> p.getMetadata().getName())
                .toList();
    }

    private static List<String> objectsOf(String cluster) {
        return platform.objects().stream()
                .filter(o -> o.getMetadata().getLabels() != null
                        && cluster.equals(o.getMetadata().getLabels().get(Labels.CLUSTER)))
                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .toList();
    }
}
