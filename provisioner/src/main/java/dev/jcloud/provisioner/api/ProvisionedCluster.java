package dev.jcloud.provisioner.api;

import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The part every provider's {@link Cluster} handle shares ({@code LocalCluster}, {@code EC2Cluster},
 * {@code FargateCluster}, {@code GCPCluster}, {@code AzureVMCluster}): a {@link Provisioner}, the
 * cluster's last known {@link ClusterRecord}, and whether this handle owns the cluster. A subclass
 * adds only its builder (the options it maps) and what is its own.
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
    protected ProvisionedCluster(Provisioner provisioner, ClusterRecord record, boolean owned, Duration scaleTimeout,
            Duration downGrace) {
        this.provisioner = requireNonNull(provisioner, "provisioner is null");
        this.record = requireNonNull(record, "record is null");
        this.owned = owned;
        this.scaleTimeout = requireNonNull(scaleTimeout, "scaleTimeout is null");
        this.downGrace = requireNonNull(downGrace, "downGrace is null");
        if (owned) {
            shutdownHook = new Thread(this::stop, "jcloud-" + record.provider() + "-cluster-" + record.name()
                    + "-shutdown");
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
        return provisioner.find(name).orElseThrow(
                () -> new ProvisionException("no cluster named " + name + " is running: see 'jcloud cluster list'"));
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
}
