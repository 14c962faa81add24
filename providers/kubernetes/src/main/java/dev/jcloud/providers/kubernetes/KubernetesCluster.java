package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A cluster of pods in a Kubernetes namespace: a scheduler pod with its Service, and N worker
 * pods, all owned by one cluster object so that the API server removes them together.
 *
 * <pre>{@code
 * try (KubernetesCluster cluster = KubernetesCluster.builder()
 *         .namespace("data").image("registry.example.com/jcloud-engine:0.1.0").workers(10).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() deletes every pod and object of the cluster
 * }</pre>
 *
 * <p>Credentials come from the kubeconfig (its current context unless {@link Builder#context}), or
 * from the pod's service account when this program runs in a pod. The client connects to the
 * scheduler pod's address, so this program must reach pod addresses (run it in the cluster, or
 * use {@link Builder#serviceType} {@code LoadBalancer}). A cluster built here also appears in
 * {@code jcloud cluster list --provider kubernetes}; if this program dies without closing it, the
 * scheduler deletes its cluster after its idle timeout.
 */
public final class KubernetesCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(10);

    private KubernetesCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new cluster of pods. */
    public static Builder builder() {
        return new Builder();
    }

    /** A handle on the running cluster {@code name}; {@link #close()} leaves it running. */
    public static KubernetesCluster attach(String name) {
        return attach(name, ClusterStateStore.forUser(), new KubernetesProvider());
    }

    static KubernetesCluster attach(String name, ClusterStateStore store, KubernetesProvider provider) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(provider), store);
        return new KubernetesCluster(provisioner, running(provisioner, name, provider.name(), "Kubernetes"), false);
    }

    /**
     * Options of a {@link KubernetesCluster}; {@link #build()} validates them, then creates it.
     * Defaults: name {@code k8s-xxxx}, 4 worker pods of 1 CPU and 2 GiB, 1 task thread each, namespace
     * {@code default}, TLS on, idle timeout 20m, death timeout 60s, start timeout 10 minutes (images
     * are pulled and nodes may be added), state in the user's jcloud state directory.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, KubernetesProvider> {

        private Builder() {
            super(Defaults.remote("k8s"));
            option(ClusterTrust.OPTION, "true");
        }

        /** The namespace (default: default). */
        public Builder namespace(String namespace) {
            return option(KubernetesSettings.NAMESPACE.path(), namespace);
        }

        /** The kubeconfig context (default: the current one). */
        public Builder context(String context) {
            return option(KubernetesSettings.CONTEXT.path(), context);
        }

        /** The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config). */
        public Builder kubeconfig(java.nio.file.Path file) {
            return option(KubernetesSettings.KUBECONFIG.path(), file.toString());
        }

        /** The engine image (required unless the {@code jcloud.kubernetes.image} system property names one). */
        public Builder image(String image) {
            return option(KubernetesSettings.IMAGE.path(), image);
        }

        /** CPU per worker pod, e.g. {@code 2} or {@code 500m} (default 1). */
        public Builder workerCpu(String cpu) {
            return option(KubernetesSettings.WORKER_CPU.path(), cpu);
        }

        /** Memory per worker pod, e.g. {@code 8GiB} (default 2GiB). */
        public Builder workerMemory(String memory) {
            return option(KubernetesSettings.WORKER_MEMORY.path(), memory);
        }

        /** Node labels the worker pods must run on. */
        public Builder nodeSelector(Map<String, String> labels) {
            return option(
                    KubernetesSettings.NODE_SELECTOR.path(),
                    labels.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(",")));
        }

        /** {@code ClusterIP} (default) or {@code LoadBalancer}. */
        public Builder serviceType(String type) {
            return option(KubernetesSettings.SERVICE_TYPE.path(), type);
        }

        /** Mutual TLS between client, scheduler and workers (default true). */
        public Builder tls(boolean tls) {
            return option(ClusterTrust.OPTION, Boolean.toString(tls));
        }

        /** Hard limit on worker pods, enforced where pods are created (default 1000). */
        public Builder maxWorkers(int max) {
            return option(KubernetesSettings.MAX_WORKERS.path(), Integer.toString(max));
        }

        /** Sets a {@code kubernetes.*} option by its key. */
        public Builder setting(String key, String value) {
            return option(key, value);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * anything is created; any other failure removes what was created before it is thrown.
         */
        public KubernetesCluster build() {
            Started s = start(new KubernetesProvider());
            return new KubernetesCluster(s.provisioner(), s.record(), owned());
        }
    }
}
