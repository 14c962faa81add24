package dev.jcloud.provisioner.api;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.ByteSize;
import dev.jcloud.config.Durations;
import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The part every provider's {@link Cluster} handle shares ({@code LocalCluster}, {@code EC2Cluster},
 * {@code FargateCluster}, {@code GCPCluster}, {@code AzureVMCluster}): a {@link Provisioner}, the
 * cluster's last known {@link ClusterRecord}, and whether this handle owns the cluster. A subclass
 * adds only what is its own; its builder extends {@link Builder} (or {@link AdaptiveBuilder}) and
 * adds only the options it maps.
 *
 * <p>An owned cluster is removed by {@link #close()}, and also when the program exits normally or
 * by Ctrl-C (a shutdown hook): machines left running cost money. A handle attached to a cluster
 * started elsewhere only lets go of it.
 */
public abstract class ProvisionedCluster implements Cluster {

    private final Provisioner provisioner;
    private final boolean owned;
    private final Duration scaleTimeout;
    private final Duration downGrace;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile ClusterRecord record;

    /**
     * @param provisioner  the provisioner that started (or found) the cluster
     * @param record       the cluster as the provisioner last saw it
     * @param owned        whether {@link #close()} removes the cluster
     * @param scaleTimeout how long {@link #scale(int)} waits for new workers to register
     * @param downGrace    how long workers may finish their tasks when the cluster is removed
     */
    protected ProvisionedCluster(
            Provisioner provisioner, ClusterRecord record, boolean owned, Duration scaleTimeout, Duration downGrace) {
        this.provisioner = requireNonNull(provisioner, "provisioner is null");
        this.record = requireNonNull(record, "record is null");
        this.owned = owned;
        this.scaleTimeout = requireNonNull(scaleTimeout, "scaleTimeout is null");
        this.downGrace = requireNonNull(downGrace, "downGrace is null");
        if (owned) {
            shutdownHook =
                    new Thread(this::stop, "jcloud-" + record.provider() + "-cluster-" + record.name() + "-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    /**
     * The running cluster {@code name}, for a subclass's {@code attach}.
     *
     * @throws ProvisionException when no such cluster is running
     */
    protected static ClusterRecord running(Provisioner provisioner, String name) {
        return provisioner
                .find(name)
                .orElseThrow(() ->
                        new ProvisionException("no cluster named " + name + " is running: see 'jcloud cluster list'"));
    }

    /**
     * The running cluster {@code name} of provider {@code providerName}, for a subclass's {@code attach}.
     *
     * @param cloud what the error calls the provider, e.g. {@code EC2}
     * @throws ProvisionException when no such cluster is running, or it runs on another provider
     */
    protected static ClusterRecord running(Provisioner provisioner, String name, String providerName, String cloud) {
        ClusterRecord r = running(provisioner, name);
        if (!r.provider().equals(providerName)) {
            throw new ProvisionException("cluster " + name + " runs on " + r.provider() + ", not on " + cloud);
        }
        return r;
    }

    @Override
    public final String name() {
        return record.name();
    }

    @Override
    public final String schedulerAddress() {
        return record.scheduler();
    }

    @Override
    public final String dashboardAddress() {
        return record.dashboard();
    }

    @Override
    public final String dashboardLink() {
        return provisioner.dashboardLink(record);
    }

    @Override
    public final Client connect() {
        checkOpen();
        return provisioner.connect(record);
    }

    /** Number of workers last seen (processes, machines or tasks, depending on the provider). */
    public final int workers() {
        return record.workers().size();
    }

    @Override
    public final void scale(int workers) {
        checkOpen();
        record = provisioner.scale(name(), workers, scaleTimeout);
    }

    @Override
    public final String adapt(int min, int max, java.time.Duration targetDuration) {
        checkOpen();
        return provisioner.adapt(name(), min + ":" + max + ":" + dev.jcloud.config.Durations.format(targetDuration));
    }

    /**
     * Removes the cluster if this object owns it, waiting until every scheduler and worker is gone;
     * otherwise only releases this handle. Idempotent.
     */
    @Override
    public final void close() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running or about to
            }
        }
        stop();
    }

    /** The cluster as the provisioner last saw it (after start or the last {@link #scale(int)}). */
    protected final ClusterRecord record() {
        return record;
    }

    /** The provisioner behind this handle (its state store holds the cluster's directory). */
    protected final Provisioner provisioner() {
        return provisioner;
    }

    private void stop() {
        if (closed.compareAndSet(false, true) && owned) {
            provisioner.down(name(), downGrace);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("cluster " + name() + " is closed");
        }
    }

    /**
     * A builder's defaults, by name rather than position.
     *
     * @param namePrefix   prefix of the generated name when none is given, e.g. {@code ec2}
     * @param workers      number of workers
     * @param nthreads     task threads per worker
     * @param idleTimeout  the cluster stops after no tasks and no clients this long
     * @param deathTimeout a worker exits after losing its scheduler this long
     * @param startTimeout deadline for the scheduler and every worker to register
     */
    public record Defaults(
            String namePrefix,
            int workers,
            int nthreads,
            Duration idleTimeout,
            Duration deathTimeout,
            Duration startTimeout) {

        public Defaults {
            requireNonNull(namePrefix, "namePrefix is null");
            requireNonNull(idleTimeout, "idleTimeout is null");
            requireNonNull(deathTimeout, "deathTimeout is null");
            requireNonNull(startTimeout, "startTimeout is null");
        }

        /**
         * Rented machines (VMs, tasks): 4 workers of 1 thread, idle timeout 20 minutes, death
         * timeout 60 s, and 10 minutes to start, since machines take minutes to boot and images to
         * pull. A provider states in its builder's javadoc where it differs, and why.
         */
        public static Defaults remote(String namePrefix) {
            return new Defaults(
                    namePrefix, 4, 1, Duration.ofMinutes(20), Duration.ofSeconds(60), Duration.ofMinutes(10));
        }

        public Defaults withNthreads(int n) {
            return new Defaults(namePrefix, workers, n, idleTimeout, deathTimeout, startTimeout);
        }

        public Defaults withIdleTimeout(Duration d) {
            return new Defaults(namePrefix, workers, nthreads, d, deathTimeout, startTimeout);
        }

        public Defaults withStartTimeout(Duration d) {
            return new Defaults(namePrefix, workers, nthreads, idleTimeout, deathTimeout, d);
        }
    }

    /**
     * The settings every provider's builder has: name, workers, threads, memory, timeouts and state
     * directory. Defaults differ per provider, so the subclass passes them in ({@link Defaults}) and
     * says them in its own javadoc. {@link #request()} turns them into the common part of the
     * {@link ClusterRequest}.
     *
     * @param <B> the subclass itself, so that every setter returns it
     */
    public abstract static class Builder<B extends Builder<B>> {
        private final String namePrefix;
        private String name;
        private int workers;
        private int nthreads;
        private ByteSize memoryLimit;
        private Duration idleTimeout;
        private Duration deathTimeout;
        private Duration startTimeout;
        private Path stateDirectory;

        /** A builder starting from {@code defaults}. */
        protected Builder(Defaults defaults) {
            this.namePrefix = defaults.namePrefix();
            this.workers = defaults.workers();
            this.nthreads = defaults.nthreads();
            this.idleTimeout = defaults.idleTimeout();
            this.deathTimeout = defaults.deathTimeout();
            this.startTimeout = defaults.startTimeout();
        }

        // B is the subclass by the class's contract; one cast here instead of a self() in every subclass.
        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Cluster name (default: the provider's prefix and a random suffix); lower-case letters, digits and '-'. */
        public B name(String name) {
            this.name = ClusterNames.check(name);
            return self();
        }

        /** Number of workers (processes, machines or tasks, depending on the provider). */
        public B workers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
            }
            this.workers = workers;
            return self();
        }

        /** Task threads per worker. */
        public B nthreads(int nthreads) {
            if (nthreads < 1) {
                throw new IllegalArgumentException("nthreads must be >= 1 (was " + nthreads + ")");
            }
            this.nthreads = nthreads;
            return self();
        }

        /** Memory a worker may use, as text, e.g. {@code 2GiB} (default: its JVM's maximum heap). */
        public B memoryLimit(String memoryLimit) {
            return memoryLimit(ByteSize.parse(memoryLimit));
        }

        /** Memory a worker may use; a subclass may make this public. */
        protected B memoryLimit(ByteSize memoryLimit) {
            this.memoryLimit = memoryLimit;
            return self();
        }

        /** The cluster stops after no tasks and no clients for this long (zero = never). */
        public B idleTimeout(Duration idleTimeout) {
            this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout is null");
            return self();
        }

        /** A worker exits after failing to reach its scheduler this long. */
        public B deathTimeout(Duration deathTimeout) {
            this.deathTimeout = requireNonNull(deathTimeout, "deathTimeout is null");
            return self();
        }

        /** Deadline for the scheduler and all workers to be registered. */
        public B startTimeout(Duration startTimeout) {
            this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
            return self();
        }

        /** Where cluster state goes (default: the user's jcloud state directory). */
        public B stateDirectory(Path stateDirectory) {
            this.stateDirectory = requireNonNull(stateDirectory, "stateDirectory is null");
            return self();
        }

        /** The state store in {@link #stateDirectory(Path)}, or the user's. */
        protected final ClusterStateStore stateStore() {
            return stateDirectory != null ? new ClusterStateStore(stateDirectory) : ClusterStateStore.forUser();
        }

        /** The request with the settings of this class; the subclass adds its provider's options. */
        protected ClusterRequest request() {
            return ClusterRequest.named(name != null ? name : ClusterNames.generate(namePrefix))
                    .withWorkers(workers)
                    .withNthreads(nthreads)
                    .withMemoryLimit(memoryLimit)
                    .withIdleTimeout(idleTimeout)
                    .withDeathTimeout(deathTimeout)
                    .withStartTimeout(startTimeout);
        }
    }

    /**
     * A {@link Builder} for providers whose clusters can scale themselves (the in-cluster controller)
     * and outlive the program that started them.
     *
     * @param <B> the subclass itself, so that every setter returns it
     */
    public abstract static class AdaptiveBuilder<B extends AdaptiveBuilder<B>> extends Builder<B> {
        private int adaptMin;
        private int adaptMax;
        private Duration adaptTarget;
        private boolean detached;

        /** See {@link Builder#Builder}. */
        protected AdaptiveBuilder(Defaults defaults) {
            super(defaults);
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * Adaptive scaling between {@code min} and {@code max} workers (a hard limit) by the
         * in-cluster controller in the scheduler process: it starts workers when the queued work
         * would take longer than the target duration, and retires idle ones (their results move
         * first). {@link #workers(int)} is then the size at start.
         */
        public B adapt(int min, int max) {
            this.adaptMin = min;
            this.adaptMax = max;
            return self();
        }

        /** Seconds of queued work per worker the controller aims for (default 5 s). */
        public B adaptTargetDuration(Duration target) {
            return adaptTarget(requireNonNull(target, "target is null"));
        }

        /** Sets the controller's target; null = its default. */
        protected final B adaptTarget(Duration target) {
            this.adaptTarget = target;
            return self();
        }

        /**
         * A cluster that outlives this program (what {@code jcloud cluster up} does): {@code close()}
         * then leaves it running; remove it with {@code jcloud cluster down NAME}.
         */
        public B detached(boolean detached) {
            this.detached = detached;
            return self();
        }

        /** Whether {@link #adapt(int, int)} was given a maximum. */
        protected final boolean adaptive() {
            return adaptMax > 0;
        }

        /** Whether the handle owns the cluster (it is not {@link #detached(boolean) detached}). */
        protected final boolean owned() {
            return !detached;
        }

        /** The process the cluster belongs to: this one, or 0 when detached. */
        protected final long ownerPid() {
            return detached ? 0 : ProcessHandle.current().pid();
        }

        /** The common request plus the controller's settings when {@link #adaptive()}. */
        @Override
        protected ClusterRequest request() {
            ClusterRequest request = super.request();
            if (adaptive()) {
                request = request.withOption(ControllerSpecs.MIN, Integer.toString(adaptMin))
                        .withOption(ControllerSpecs.MAX, Integer.toString(adaptMax));
                if (adaptTarget != null) {
                    request = request.withOption(ControllerSpecs.TARGET, Durations.format(adaptTarget));
                }
            }
            return request;
        }
    }

    /**
     * An {@link AdaptiveBuilder} for a provider whose settings are its cluster options: the
     * subclass's setters call {@link #option}, and {@link #start} checks them with the provider's
     * own {@link CloudProvider#validate} before anything is created, then brings the cluster up.
     *
     * @param <B> the subclass itself, so that every setter returns it
     * @param <P> the provider
     */
    public abstract static class ProviderBuilder<B extends ProviderBuilder<B, P>, P extends CloudProvider>
            extends AdaptiveBuilder<B> {
        private final Map<String, String> options = new LinkedHashMap<>();
        private P provider;

        /** See {@link Builder#Builder}. */
        protected ProviderBuilder(Defaults defaults) {
            super(defaults);
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Sets one provider option, e.g. {@code aws.region}; a subclass may make it public. */
        protected B option(String key, String value) {
            options.put(key, requireNonNull(value, key + " is null"));
            return self();
        }

        /** The provider to use instead of a new default one (tests: one wired to an emulator). */
        protected final B useProvider(P provider) {
            this.provider = requireNonNull(provider, "provider is null");
            return self();
        }

        /** The options set so far, in the order set. */
        protected final Map<String, String> providerOptions() {
            return Collections.unmodifiableMap(options);
        }

        /** The request: the common settings, the controller's and the provider options. */
        @Override
        protected ClusterRequest request() {
            ClusterRequest request = super.request();
            for (Map.Entry<String, String> e : options.entrySet()) {
                request = request.withOption(e.getKey(), e.getValue());
            }
            return request;
        }

        /**
         * Checks the options with the provider, then creates the cluster and waits until every
         * worker is registered; a failure removes what was created before it is thrown.
         *
         * @param defaultProvider the provider unless {@link #useProvider} gave one
         */
        protected final Started start(P defaultProvider) {
            ClusterRequest request = request();
            P p = provider != null ? provider : defaultProvider;
            // Bad settings fail here, with the option's name, before the provisioner starts (and then undoes) anything.
            p.validate(new ClusterContext(request.name(), ClusterNames.newId(), Path.of("."), request.options()));
            Provisioner provisioner = new Provisioner(CloudProviders.of(p), stateStore());
            ClusterRecord record = provisioner.up(p.name(), request, ownerPid());
            return new Started(provisioner, record);
        }
    }

    /** What {@link ProviderBuilder#start} made: the provisioner that owns the cluster, and its record. */
    protected record Started(Provisioner provisioner, ClusterRecord record) {}
}
