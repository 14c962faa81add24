package dev.jcloud.provisioner.elastic;

/**
 * Decides, every interval, how many workers to start and which to retire. Implementations may
 * keep state between calls (Dask's wait count, jcloud's history of idle gaps) and are driven by
 * one thread: the controller's loop, or the simulator.
 */
public interface ScalingPolicy {

    /** A short name for reports: fixed, dask, jcloud-cost, jcloud-balanced, jcloud-latency. */
    String name();

    /** Seconds between two calls of {@link #decide}. */
    default double intervalSeconds() {
        return 1;
    }

    /** The fewest workers this policy keeps; the simulator stops when work is done and this is reached. */
    int minWorkers();

    /** The decision for this snapshot. The caller enforces the hard maximum again where machines are made. */
    ScalingDecision decide(ClusterSnapshot snapshot);
}
