package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.ClusterInfo;
import java.util.List;

/** What a {@link SchedulerExtension} may see and do in its scheduler. Thread-safe. */
public interface SchedulerHandle {

    /** host:port of the engine endpoint. */
    String address();

    /** A snapshot of tasks (per kind), workers and clients, taken on the scheduler's own thread. */
    ClusterInfo info();

    /**
     * Retires these workers gracefully: their results move to the other workers first, then they
     * exit. Returns the names accepted for retirement (unknown names are ignored). When no other
     * worker would stay, the one holding the most results that a client has not received or that
     * tasks still need is kept (not returned): retiring it would lose them, and they would be
     * computed again when asked for.
     */
    List<String> retire(List<String> workerNames);

    /**
     * Publishes a cluster-wide value (cost, the adaptive target) on {@code /metrics} as
     * {@code jcloud_<gauge>} and in the dashboard's cluster panel. The panel knows these names:
     * <ul>
     *   <li>{@code adaptive_target_workers}: the workers the adaptive policy wants now, drawn over
     *       time beside the connected workers;</li>
     *   <li>{@code cost_dollars_total}: dollars the cluster has cost so far (billed, with minimums);</li>
     *   <li>{@code cost_dollars_per_hour}: what the cluster costs per hour as it is now;</li>
     *   <li>{@code core_hours_total}: core-hours the cluster has used so far, where the platform
     *       accounts them (a batch system's allocation);</li>
     *   <li>{@code core_hours_per_hour}: core-hours it uses per hour as it is now.</li>
     * </ul>
     * Other names appear on {@code /metrics} only. A name ending in {@code _total} is exposed as a
     * Prometheus counter, any other as a gauge. The last value wins; {@code NaN} removes the gauge.
     * Thread-safe and cheap (no scheduler-loop work): call it whenever the value changes. The
     * scheduler's handle implements it; the default does nothing, for test doubles.
     *
     * @param gauge lower-case letters, digits and {@code _}, starting with a letter, at most 63
     *              characters, not a built-in metric's name and not starting with {@code worker_}
     * @throws IllegalArgumentException for a bad name or an infinite value
     * @throws IllegalStateException    past 64 distinct gauges
     */
    default void publish(String gauge, double value) {}

    /**
     * Publishes a per-worker value on {@code /metrics} as {@code jcloud_worker_<gauge>{worker="name"}}
     * and in the dashboard's workers table; {@code cost_dollars_total} is shown as the worker's
     * billed cost. Values of workers that left are forgotten. Same rules as {@link #publish(String, double)}.
     */
    default void publish(String gauge, String worker, double value) {}
}
