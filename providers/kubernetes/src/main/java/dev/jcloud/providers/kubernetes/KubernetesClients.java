package dev.jcloud.providers.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Connects to the API server: the user's kubeconfig (its current context unless
 * {@code --context}), or, in the scheduler pod, the pod's own service account. The options a
 * cluster carries name the user's kubeconfig, which does not exist in the pod: the pod says so
 * with {@value EnginePods#IN_CLUSTER_ENV}, and then the client configures itself as a pod.
 */
final class KubernetesClients {

    private KubernetesClients() {}

    static KubernetesClient connect(KubernetesOptions options) {
        Config config;
        if ("true".equals(System.getenv(EnginePods.IN_CLUSTER_ENV))) {
            config = Config.autoConfigure(null);
        } else if (options.kubeconfig().isPresent()) {
            Path file = Path.of(options.kubeconfig().get());
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("kubernetes.kubeconfig: no file " + file + " (--kubeconfig)");
            }
            config = Config.fromKubeconfig(options.context().orElse(null), file.toFile());
        } else {
            config = Config.autoConfigure(options.context().orElse(null));
        }
        if (options.context().isPresent()
                && !"true".equals(System.getenv(EnginePods.IN_CLUSTER_ENV))
                && (config.getCurrentContext() == null
                        || !options.context()
                                .get()
                                .equals(config.getCurrentContext().getName()))) {
            throw new IllegalArgumentException(
                    "kubernetes.context: no context '" + options.context().get()
                            + "' in the kubeconfig (--context; 'kubectl config get-contexts' lists them)");
        }
        config.setNamespace(options.namespace());
        config.setRequestTimeout(30_000);
        config.setConnectionTimeout(10_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
