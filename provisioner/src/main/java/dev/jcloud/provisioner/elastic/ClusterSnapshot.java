package dev.jcloud.provisioner.elastic;

import java.util.List;

/**
 * What a scaling policy decides from: the scheduler's view of work and workers at one moment.
 * Immutable; built by the in-cluster controller from the scheduler, or by
 * {@link ClusterSimulator} from a trace.
 *
 * @param now              seconds on the controller's clock (a fake clock in tests)
 * @param threadsPerWorker threads of each worker (also of the ones not yet started)
 * @param loads            queued and running tasks per kind
 * @param workers          every worker requested and not yet retired, booting ones included
 * @param submittedTasks   tasks submitted since the cluster started (lets a policy see the arrival rate)
 */
public record ClusterSnapshot(
        double now, int threadsPerWorker, List<TaskLoad> loads, List<WorkerView> workers, long submittedTasks) {

    public ClusterSnapshot {
        if (threadsPerWorker < 1) {
            throw new IllegalArgumentException("threadsPerWorker must be ≥ 1 (was " + threadsPerWorker + ")");
        }
        loads = List.copyOf(loads);
        workers = List.copyOf(workers);
    }

    /** Tasks waiting for a thread. */
    public int queuedTasks() {
        return loads.stream().mapToInt(TaskLoad::queued).sum();
    }

    /** Tasks on a thread. */
    public int runningTasks() {
        return loads.stream().mapToInt(TaskLoad::running).sum();
    }

    /** Expected seconds of queued and running work. */
    public double occupancySeconds() {
        return loads.stream().mapToDouble(TaskLoad::occupancySeconds).sum();
    }

    /** Expected duration of a task, averaged over what is queued and running (0.5 s when nothing is). */
    public double meanTaskSeconds() {
        int n = queuedTasks() + runningTasks();
        return n == 0 ? TaskLoad.UNKNOWN_DURATION_SECONDS : occupancySeconds() / n;
    }

    /** Workers registered with the scheduler. */
    public List<WorkerView> readyWorkers() {
        return workers.stream().filter(WorkerView::ready).toList();
    }

    /** Workers requested but not yet registered. */
    public List<WorkerView> bootingWorkers() {
        return workers.stream().filter(w -> !w.ready()).toList();
    }

    /** Bytes of results held by all workers. */
    public long storedBytes() {
        return workers.stream().mapToLong(WorkerView::storedBytes).sum();
    }

    /** Summed memory limits of the registered workers. */
    public long memoryLimitBytes() {
        return readyWorkers().stream().mapToLong(WorkerView::memoryLimitBytes).sum();
    }
}
