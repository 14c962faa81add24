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
     * exit. Returns the names accepted for retirement (unknown names are ignored).
     */
    List<String> retire(List<String> workerNames);
}
