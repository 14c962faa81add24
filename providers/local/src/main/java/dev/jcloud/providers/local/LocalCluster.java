package dev.jcloud.providers.local;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.ByteSize;
import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster on this machine: a scheduler and N workers, each a separate JVM on 127.0.0.1, started
 * with this JVM's java binary and class path (so the workers already have the caller's classes).
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.builder().workers(4).build();
 *      Client client = cluster.connect()) {
 *     List<Long> squares = client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L)));
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops every process and waits until they have exited. A cluster built
 * here also appears in {@code jcloud cluster list}; its process logs are in {@link #logDirectory()}.
 * If this program dies without closing it, the workers exit once their scheduler is gone
 * (their death timeout), and the scheduler after its idle timeout (default 30 minutes).
 */
public final class LocalCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Duration SCALE_TIMEOUT = Duration.ofSeconds(60);

    private LocalCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new local cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running local cluster {@code name} (for example one started with
     * {@code jcloud cluster up}); {@link #close()} leaves it running.
     */
    public static LocalCluster attach(String name) {
        return attach(name, ClusterStateStore.forUser());
    }

    static LocalCluster attach(String name, ClusterStateStore store) {
        Provisioner provisioner = provisioner(store);
        return new LocalCluster(provisioner, running(provisioner, name), false);
    }

    /** Process ids of the scheduler and the workers, scheduler first. */
    public List<Long> processIds() {
        List<Long> pids = new ArrayList<>();
        record().nodes().stream()
                .sorted((a, b) -> a.role().compareTo(b.role()))
                .map(Node::id)
                .map(Long::parseLong)
                .forEach(pids::add);
        return pids;
    }

    /**
     * The files another program needs to connect to this cluster when it uses TLS (client
     * certificate, its 0600 key, the cluster CA), or empty for a plaintext cluster.
     */
    public java.util.Optional<TlsFiles> clientTlsFiles() {
        if (!ClusterTrust.enabled(record().options())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(ClusterTrust.clientFiles(
                provisioner().store().clusterDir(name()).resolve(ClusterTrust.DIRECTORY)));
    }

    /**
     * A class path for engine processes: jcloud's engine jars taken from this JVM's class path, then
     * the jars or directories that hold {@code taskClasses}. Workers on it start faster than on a
     * long application class path (the jcloud CLI passes it to {@link Builder#classpath}); any other
     * class a task needs still reaches them, as on a cloud, through the client's class shipping.
     * This JVM's whole class path when the engine's jars are not all there by name (class directories
     * of a development build).
     */
    public static String engineClasspath(Class<?>... taskClasses) {
        String full = LocalOptions.currentClasspath();
        java.util.List<Path> extra = new ArrayList<>();
        for (Class<?> c : taskClasses) {
            codeSource(c).ifPresent(extra::add);
        }
        return codeSource(LocalCluster.class)
                .flatMap(self -> EngineClasspath.within(full, self, extra))
                .orElse(full);
    }

    private static java.util.Optional<Path> codeSource(Class<?> c) {
        try {
            var source = c.getProtectionDomain().getCodeSource();
            return source == null
                    ? java.util.Optional.empty()
                    : java.util.Optional.of(Path.of(source.getLocation().toURI()));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** Where the processes' logs are: {@code <node-name>.log}. */
    public Path logDirectory() {
        return provisioner().store().clusterDir(name()).resolve("logs");
    }

    static Provisioner provisioner(ClusterStateStore store) {
        return new Provisioner(CloudProviders.of(new LocalProvider()), store);
    }

    /**
     * Options of a {@link LocalCluster}; {@link #build()} starts it. Defaults: name {@code local-xxxx},
     * 4 worker processes, 1 task thread each, memory per worker (also its maximum heap) the JVM's
     * default maximum heap, idle timeout 30m (the scheduler stops the cluster after no tasks and no
     * clients this long; zero = never), death timeout 60s, start timeout 60s, state and logs in the
     * user's jcloud state directory. {@link #detached(boolean) Detached} processes outlive this program.
     */
    public static final class Builder extends ProvisionedCluster.AdaptiveBuilder<Builder> {

        private Duration billingMinimum;
        private String classpath;
        private String jvmOptions = "";
        private boolean tls;

        private Builder() {
            // Processes start in seconds, so a minute is a generous start deadline; a notebook-style session
            // pauses longer than a cloud job between bursts, hence the longer idle timeout.
            super(new Defaults("local", 4, 1, Duration.ofMinutes(30), Duration.ofSeconds(60), Duration.ofSeconds(60)));
        }

        /** Memory per worker, also its maximum heap (default: the JVM's default maximum heap). */
        @Override
        public Builder memoryLimit(ByteSize memoryLimit) {
            return super.memoryLimit(memoryLimit);
        }

        /** Seconds of queued work per worker the controller aims for (default 5 s; null restores it). */
        @Override
        public Builder adaptTargetDuration(Duration target) {
            return adaptTarget(target);
        }

        /** Class path of the engine processes (default: this JVM's). */
        public Builder classpath(String classpath) {
            this.classpath = requireNonNull(classpath, "classpath is null");
            return this;
        }

        /** Extra JVM options for the engine processes, separated by spaces. */
        public Builder jvmOptions(String jvmOptions) {
            this.jvmOptions = requireNonNull(jvmOptions, "jvmOptions is null");
            return this;
        }

        /**
         * Mutual TLS for all engine traffic (default off: a local cluster listens on loopback only).
         * A CA is made for this cluster in its state directory; the scheduler, every worker and
         * {@link LocalCluster#connect()} get certificates from it, and anything else is refused.
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Plays a cloud's billing minimum per worker start (EC2/Fargate/GCP: 60 s) on this machine:
         * the controller then keeps an idle worker until its paid minimum is used up.
         */
        public Builder billingMinimum(Duration minimum) {
            this.billingMinimum = minimum;
            return this;
        }

        /** Starts the scheduler and the workers and returns once every worker is registered. */
        public LocalCluster build() {
            ClusterStateStore store = stateStore();
            ClusterRequest request = request()
                    .withOption(
                            LocalOptions.CLASSPATH,
                            classpath != null ? LocalOptions.absolute(classpath) : LocalOptions.currentClasspath())
                    .withOption(LocalOptions.JAVA, LocalOptions.currentJava())
                    .withOption(LocalOptions.JVM_OPTIONS, jvmOptions)
                    .withOption(LocalOptions.DETACHED, Boolean.toString(!owned()))
                    .withOption(LocalOptions.TLS, Boolean.toString(tls));
            if (adaptive() && billingMinimum != null) {
                request = request.withOption(ControllerSpecs.BILLING_MINIMUM, Durations.format(billingMinimum));
            }
            Provisioner provisioner = provisioner(store);
            ClusterRecord r = provisioner.up("local", request, ownerPid());
            return new LocalCluster(provisioner, r, owned());
        }
    }
}
