package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.tls.ClusterTrust;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The provider's settings, checks and objects, without an API server. */
class KubernetesOptionsTest {

    private static final Map<String, String> BASE = Map.of(KubernetesSettings.IMAGE.path(), "engine:1");

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new java.util.HashMap<>(BASE);
        m.put(key, value);
        return m;
    }

    @Test
    void defaultsAreReadFromTheSettings() {
        KubernetesOptions o = KubernetesOptions.of(BASE);
        assertThat(o.namespace()).isEqualTo("default");
        assertThat(o.workerCpu()).isEqualTo("1");
        assertThat(o.workerMemory()).isEqualTo("2Gi");
        assertThat(o.serviceType()).isEqualTo("ClusterIP");
        assertThat(o.maxWorkers()).isEqualTo(1000);
        assertThat(o.workerPricePerHour()).isEmpty();
    }

    @Test
    void badValuesAreRefusedNamingTheirKey() {
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.namespace", "Data_1")))
                .hasMessageContaining("kubernetes.namespace");
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.worker-cpu", "two")))
                .hasMessageContaining("kubernetes.worker-cpu")
                .hasMessageContaining("millicores");
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.worker-memory", "8 gigs")))
                .hasMessageContaining("kubernetes.worker-memory");
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.node-selector", "spot")))
                .hasMessageContaining("kubernetes.node-selector")
                .hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.service-type", "NodePort")))
                .hasMessageContaining("ClusterIP or LoadBalancer");
        assertThatThrownBy(() -> KubernetesOptions.of(with("kubernetes.allow-from", "10.0.0.1/8")))
                .hasMessageContaining("kubernetes.allow-from");
    }

    @Test
    void theImageIsRequiredBeforeAnythingIsCreated() {
        ClusterContext ctx = new ClusterContext("c", "id1", Path.of("."), Map.of());
        assertThatThrownBy(() -> new KubernetesProvider().validate(ctx))
                .hasMessageContaining("kubernetes.image is not set: give --image");
        assertThatThrownBy(() -> new KubernetesProvider().plan(ctx, 2)).hasMessageContaining("--image");
    }

    @Test
    void nodeSelectorAndQuantitiesBecomeWhatKubernetesTakes() {
        KubernetesOptions o = KubernetesOptions.of(with("kubernetes.node-selector", "pool=spot,zone=a"));
        assertThat(o.nodeSelector()).containsExactlyInAnyOrderEntriesOf(Map.of("pool", "spot", "zone", "a"));
        assertThat(KubernetesOptions.quantity("512MiB")).isEqualTo("512Mi");
        assertThat(KubernetesOptions.quantity("8Gi")).isEqualTo("8Gi");
    }

    @Test
    void theSchedulersRoleGrantsPodsCreateDeleteListWatchAndItsOwnClusterObject() {
        ClusterContext ctx = new ClusterContext("c", "id1", Path.of("."), BASE);
        List<PolicyRule> rules = ClusterObjects.role(ctx, "ns", null).getRules();
        assertThat(rules).hasSize(2);
        assertThat(rules.get(0).getResources()).containsExactly("pods");
        assertThat(rules.get(0).getVerbs()).containsExactly("create", "delete", "list", "watch");
        assertThat(rules.get(1).getResources()).containsExactly("configmaps");
        assertThat(rules.get(1).getResourceNames()).containsExactly("jcloud-c");
        assertThat(rules.get(1).getVerbs()).containsExactly("get", "delete");
    }

    @Test
    void podsAreOwnedLabelledAndCarryNoSecretInArgumentsOrEnvironment() {
        Map<String, String> options = new java.util.HashMap<>(BASE);
        options.put(ClusterTrust.OPTION, "true");
        options.put("kubernetes.node-selector", "pool=spot");
        ClusterContext ctx = new ClusterContext("c", "id1", Path.of("."), options);
        ConfigMap owner = ClusterObjects.clusterObject(ctx, "ns");
        owner.setMetadata(
                new ObjectMetaBuilder(owner.getMetadata()).withUid("uid-1").build());
        OwnerReference ref = ClusterObjects.ownedBy(owner);
        EngineCommand worker =
                EnginePods.inPod(ctx, EngineCommand.worker("ignored:1").with("--name", "c-worker-0"), "10.0.0.5:8786");

        Pod pod = EnginePods.pod(ctx, KubernetesOptions.of(options), "c-worker-0", worker, ref, "sa");

        assertThat(pod.getMetadata().getOwnerReferences()).containsExactly(ref);
        assertThat(pod.getMetadata().getLabels())
                .containsEntry(Labels.CLUSTER, "c")
                .containsEntry(Labels.CLUSTER_ID, "id1")
                .containsEntry(Labels.ROLE, NodeRole.WORKER.label())
                .containsEntry(Labels.NODE, "c-worker-0");
        var c = pod.getSpec().getContainers().get(0);
        assertThat(c.getArgs()).startsWith("worker", "10.0.0.5:8786");
        assertThat(c.getArgs())
                .contains("/etc/jcloud/tls/worker-key.pem", "id1.cluster.jcloud")
                .noneMatch(a -> a.contains("PRIVATE KEY"));
        assertThat(c.getEnv())
                .noneMatch(e -> e.getValue() != null && e.getValue().contains("KEY"));
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("pool", "spot");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getVolumes().get(0).getSecret().getSecretName())
                .isEqualTo("jcloud-c-tls");
    }

    @Test
    void theRolePolicyGrantsWhatThePreflightChecks() {
        String yaml = RolePolicy.yaml();
        assertThat(yaml).contains("kind: Role", "resources: [\"pods\"]", "\"rbac.authorization.k8s.io\"");
        for (AccessPreflight.Permission p : AccessPreflight.UP) {
            assertThat(yaml).contains("\"" + p.resource() + "\"").contains("\"" + p.verb() + "\"");
        }
    }
}
