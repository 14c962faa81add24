package dev.jcloud.engine.scheduler;

/**
 * Code that runs inside the scheduler process next to the scheduler, found with
 * {@link java.util.ServiceLoader} on the scheduler's class path. The engine knows nothing about
 * clouds; this is how the provisioner's in-cluster controller (adaptive scaling, idle teardown of
 * the cluster's machines) lives in the scheduler without the engine depending on it.
 *
 * <p>An extension activates only when the scheduler was started with a cluster spec
 * ({@code --cluster-spec}); it decides for itself whether the spec is meant for it.
 */
public interface SchedulerExtension extends AutoCloseable {

    /**
     * Called once the scheduler listens. Returns quickly: long-running work goes on the
     * extension's own threads.
     *
     * @return whether the extension is active (false: it is closed and forgotten)
     */
    boolean start(SchedulerHandle scheduler, String clusterSpec);

    /**
     * Called once when the scheduler stops because the cluster was idle for its idle timeout (or had
     * no client for its no-client timeout), before the workers are told to exit. The place to
     * remove the cluster's machines; the scheduler waits for this method to return.
     */
    default void onIdleShutdown(String reason) {}

    /**
     * A setting sent by a client ({@code Client.configure}), e.g. {@code adapt = 2:50}. Returns what
     * was done, for the user, or null when the key is not this extension's.
     *
     * @throws IllegalArgumentException when the key is this extension's but the value is not valid
     */
    default String configure(String key, String value) {
        return null;
    }

    /** Stops the extension's threads; the scheduler is stopping. */
    @Override
    default void close() {}
}
