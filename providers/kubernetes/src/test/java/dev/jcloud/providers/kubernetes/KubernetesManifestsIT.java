package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported manifests are applied with the real {@code kubectl} to the mock API server, then
 * read back with {@code kubectl get}: kubectl parses every document, maps each kind to its API
 * and creates it. (The mock does not check object schemas as a real API server does.)
 */
class KubernetesManifestsIT {

    @TempDir
    static Path dir;

    static MockApiServer api;

    @BeforeAll
    static void start() {
        api = new MockApiServer(dir.resolve("api"));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void kubectlAppliesTheManifestsAndFindsEveryObject() throws Exception {
        String yaml = KubernetesManifests.yaml(
                "gitops",
                5,
                2,
                "4GiB",
                Map.of(
                        KubernetesSettings.NAMESPACE.path(), "data",
                        KubernetesSettings.IMAGE.path(), "registry.example.com/jcloud-engine:0.1.0",
                        KubernetesSettings.WORKER_CPU.path(), "2",
                        KubernetesSettings.WORKER_MEMORY.path(), "8GiB",
                        KubernetesSettings.ALLOW_FROM.path(), "10.0.0.0/8"),
                "join-token-from-the-operator");
        Path file = dir.resolve("gitops.yaml");
        Files.writeString(file, yaml);

        String applied = kubectl("apply", "--validate=false", "-n", "data", "-f", file.toString());

        assertThat(applied)
                .contains(
                        "serviceaccount/jcloud-gitops-scheduler created",
                        "role.rbac.authorization.k8s.io/jcloud-gitops-scheduler created",
                        "rolebinding.rbac.authorization.k8s.io/jcloud-gitops-scheduler created",
                        "secret/jcloud-gitops-join created",
                        "networkpolicy.networking.k8s.io/jcloud-gitops created",
                        "service/jcloud-gitops created",
                        "deployment.apps/gitops-scheduler created",
                        "deployment.apps/gitops-workers created");
        String workers = kubectl("get", "-n", "data", "deployment", "gitops-workers", "-o", "json");
        Deployment d = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(workers, Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(5);
        var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getArgs())
                .startsWith("worker", "jcloud-gitops.data.svc:8786")
                .contains("--join-token-file", "/etc/jcloud/join/token", "$(POD_NAME)", "4GiB")
                .doesNotContain("join-token-from-the-operator");
        assertThat(container.getResources().getLimits().get("memory").toString())
                .isEqualTo("8Gi");
        assertThat(kubectl(
                        "get",
                        "-n",
                        "data",
                        "secret,networkpolicy,service",
                        "-l",
                        "jcloud.dev/cluster=gitops",
                        "-o",
                        "name"))
                .contains(
                        "secret/jcloud-gitops-join",
                        "networkpolicy.networking.k8s.io/jcloud-gitops",
                        "service/jcloud-gitops");
    }

    private static String kubectl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(
                List.of("kubectl", "--kubeconfig", api.kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "kubectl is needed for this test: install it (apt-get install kubectl"
                            + " from the Kubernetes apt repository, or the kubernetes-client package)",
                    e);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("kubectl %s exited with:\n%s", String.join(" ", args), out)
                .isZero();
        return out;
    }
}
