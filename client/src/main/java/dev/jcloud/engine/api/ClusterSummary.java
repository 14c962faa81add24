package dev.jcloud.engine.api;

import java.util.List;

/** A snapshot of a cluster: where it is, its workers and its tasks. */
public record ClusterSummary(
        String schedulerAddress,
        String dashboardAddress,
        String engineVersion,
        List<WorkerSummary> workers,
        long tasksWaiting,
        long tasksProcessing,
        long tasksInMemory,
        long tasksErred,
        long tasksCompletedTotal,
        int clients,
        long idleSinceMillis,
        long schedulerPid) {}
