package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ClusterContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster's Kubernetes settings, read from its options with the parsers of
 * {@link KubernetesSettings}. Reading fails with a message naming the key and what it accepts;
 * {@link #requireImage()} is the one check that needs more than one key's value.
 */
public record KubernetesOptions(
        String namespace,
        Optional<String> context,
        Optional<String> kubeconfig,
        Optional<String> image,
        String imagePullPolicy,
        String workerCpu,
        String workerMemory,
        String schedulerCpu,
        String schedulerMemory,
        Map<String, String> nodeSelector,
        Optional<String> serviceAccount,
        String serviceType,
        List<String> allowFrom,
        int maxWorkers,
        Optional<Double> workerPricePerHour) {

    /** The image used when neither {@code kubernetes.image} nor this system property is set: none. */
    public static final String DEFAULT_IMAGE_PROPERTY = "jcloud.kubernetes.image";

    public KubernetesOptions {
        nodeSelector = Map.copyOf(nodeSelector);
        allowFrom = List.copyOf(allowFrom);
    }

    /** The settings in {@code cluster}'s options. */
    public static KubernetesOptions of(ClusterContext cluster) {
        return of(cluster.options());
    }

    /** The settings in {@code options}; a bad value fails naming its key. */
    public static KubernetesOptions of(Map<String, String> options) {
        Map<String, String> selector = new LinkedHashMap<>();
        KubernetesSettings.NODE_SELECTOR.read(options).ifPresent(s -> {
            for (String pair : s.split(",")) {
                int eq = pair.indexOf('=');
                selector.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        });
        return new KubernetesOptions(
                KubernetesSettings.NAMESPACE.read(options),
                KubernetesSettings.CONTEXT.read(options),
                KubernetesSettings.KUBECONFIG.read(options),
                KubernetesSettings.IMAGE
                        .read(options)
                        .or(() -> Optional.ofNullable(System.getProperty(DEFAULT_IMAGE_PROPERTY))
                                .filter(s -> !s.isBlank())),
                KubernetesSettings.IMAGE_PULL_POLICY.read(options),
                KubernetesSettings.WORKER_CPU.read(options),
                quantity(KubernetesSettings.WORKER_MEMORY.read(options)),
                KubernetesSettings.SCHEDULER_CPU.read(options),
                quantity(KubernetesSettings.SCHEDULER_MEMORY.read(options)),
                selector,
                KubernetesSettings.SERVICE_ACCOUNT.read(options),
                KubernetesSettings.SERVICE_TYPE.read(options),
                KubernetesSettings.ALLOW_FROM
                        .read(options)
                        .map(s -> List.of(s.split(",")))
                        .orElse(List.of()),
                KubernetesSettings.MAX_WORKERS.read(options),
                KubernetesSettings.NODE_PRICE.read(options).map(Double::valueOf));
    }

    /** The engine image; fails naming the flag when none is configured. */
    public String requireImage() {
        return image.orElseThrow(() -> new IllegalArgumentException("kubernetes.image is not set: give --image"
                + " IMAGE, the engine image built with 'mvn -Pimage -pl cli -am package -Djcloud.image=IMAGE'"
                + " (or set kubernetes.image in jcloud.yaml)"));
    }

    /** {@code 8GiB} as Kubernetes writes it ({@code 8Gi}); other quantities unchanged. */
    static String quantity(String size) {
        return size.endsWith("iB") ? size.substring(0, size.length() - 1) : size;
    }
}
