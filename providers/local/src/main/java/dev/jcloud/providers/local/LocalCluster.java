package dev.jcloud.providers.local;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.ByteSize;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.CloudProviders;
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
        record().nodes().stream().sorted((a, b) -> a.role().compareTo(b.role()))
                .map(Node::id).map(Long::parseLong).forEach(pids::add);
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

    /** Where the processes' logs are: {@code <node-name>.log}. */
    public Path logDirectory() {
        return provisioner().store().clusterDir(name()).resolve("logs");
    }

    static Provisioner provisioner(ClusterStateStore store) {
        return new Provisioner(CloudProviders.of(new LocalProvider()), store);
    }

    /** Options of a {@link LocalCluster}; {@link #build()} starts it. */
    public static final class Builder {

        private int adaptMin;
        private int adaptMax;
        private Duration adaptTarget;
        private Duration billingMinimum;
        private String name;
        private int workers = 4;
        private int nthreads = 1;
        private ByteSize memoryLimit;
        private Duration idleTimeout = Duration.ofMinutes(30);
        private Duration deathTimeout = Duration.ofSeconds(60);
        private Duration startTimeout = Duration.ofSeconds(60);
        private Path stateDirectory;
        private String classpath;
        private String jvmOptions = "";
        private boolean detached;
        private boolean tls;

        private Builder() {
        }

        /** Cluster name (default {@code local-xxxx}); lower-case letters, digits and '-'. */
        public Builder name(String name) {
            this.name = ClusterNames.check(name);
            return this;
        }

        /** Number of worker processes (default 4). */
        public Builder workers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
            }
            this.workers = workers;
            return this;
        }

        /** Task threads per worker (default 1). */
        public Builder nthreads(int nthreads) {
            if (nthreads < 1) {
                throw new IllegalArgumentException("nthreads must be >= 1 (was " + nthreads + ")");
            }
            this.nthreads = nthreads;
            return this;
        }

        /** Memory per worker, also its maximum heap (default: the JVM's default maximum heap). */
        public Builder memoryLimit(ByteSize memoryLimit) {
            this.memoryLimit = memoryLimit;
            return this;
        }

        /** Memory per worker as text, e.g. {@code 2GiB}. */
        public Builder memoryLimit(String memoryLimit) {
            return memoryLimit(ByteSize.parse(memoryLimit));
        }

        /** The scheduler stops the cluster after no tasks and no clients for this long (default 30m; zero = never). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout is null");
            return this;
        }

        /** A worker exits after failing to reach its scheduler this long (default 60s). */
        public Builder deathTimeout(Duration deathTimeout) {
            this.deathTimeout = requireNonNull(deathTimeout, "deathTimeout is null");
            return this;
        }

        /** Deadline for the scheduler and all workers to be registered (default 60s). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
            return this;
        }

        /** Where cluster state and logs go (default: the user's jcloud state directory). */
        public Builder stateDirectory(Path stateDirectory) {
            this.stateDirectory = requireNonNull(stateDirectory, "stateDirectory is null");
            return this;
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
         * Processes that outlive this program (what {@code jcloud cluster up} does): {@link #close()}
         * then leaves the cluster running; stop it with {@code jcloud cluster down NAME}.
         */
        public Builder detached(boolean detached) {
            this.detached = detached;
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
         * Adaptive scaling between {@code min} and {@code max} workers (a hard limit), by the
         * in-cluster controller in the scheduler process: it starts workers when the queued work
         * would take longer than the target duration, and retires idle ones (their results move
         * first). {@link #workers(int)} is then the size at start.
         */
        public Builder adapt(int min, int max) {
            this.adaptMin = min;
            this.adaptMax = max;
            return this;
        }

        /** Seconds of queued work per worker the controller aims for (default 5 s). */
        public Builder adaptTargetDuration(Duration target) {
            this.adaptTarget = target;
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
            ClusterStateStore store = stateDirectory != null ? new ClusterStateStore(stateDirectory)
                    : ClusterStateStore.forUser();
            ClusterRequest request = ClusterRequest.named(name != null ? name : ClusterNames.generate("local"))
                    .withWorkers(workers)
                    .withNthreads(nthreads)
                    .withMemoryLimit(memoryLimit)
                    .withIdleTimeout(idleTimeout)
                    .withDeathTimeout(deathTimeout)
                    .withStartTimeout(startTimeout)
                    .withOption(LocalOptions.CLASSPATH, classpath != null ? LocalOptions.absolute(classpath) : LocalOptions.currentClasspath())
                    .withOption(LocalOptions.JAVA, LocalOptions.currentJava())
                    .withOption(LocalOptions.JVM_OPTIONS, jvmOptions)
                    .withOption(LocalOptions.DETACHED, Boolean.toString(detached))
                    .withOption(LocalOptions.TLS, Boolean.toString(tls));
            if (adaptMax > 0) {
                request = request.withOption(ControllerSpecs.MIN, Integer.toString(adaptMin))
                        .withOption(ControllerSpecs.MAX, Integer.toString(adaptMax));
                if (adaptTarget != null) {
                    request = request.withOption(ControllerSpecs.TARGET, Durations.format(adaptTarget));
                }
                if (billingMinimum != null) {
                    request = request.withOption(ControllerSpecs.BILLING_MINIMUM, Durations.format(billingMinimum));
                }
            }
            Provisioner provisioner = provisioner(store);
            long owner = detached ? 0 : ProcessHandle.current().pid();
            ClusterRecord r = provisioner.up("local", request, owner);
            return new LocalCluster(provisioner, r, !detached);
        }
    }
}
