package dev.jcloud.provisioner.elastic;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A workload to replay: tasks with their arrival time and run time, ordered by arrival.
 * Built-in traces come from {@link Traces}; a file is read with {@link TraceFile}.
 *
 * @param name  what reports call it (bursty, steady, … or the file name)
 * @param tasks the tasks, sorted by arrival (ties keep their order)
 */
public record Trace(String name, List<Task> tasks) {

    /**
     * One task.
     *
     * @param arrivalSeconds  when it is submitted, seconds from the start of the trace (≥ 0)
     * @param durationSeconds how long it runs on one thread (> 0)
     * @param kind            its kind (Dask's task prefix); durations are measured per kind
     */
    public record Task(double arrivalSeconds, double durationSeconds, String kind) {

        public Task {
            if (!(arrivalSeconds >= 0) || Double.isInfinite(arrivalSeconds)) {
                throw new IllegalArgumentException("arrival must be a number ≥ 0 s (was " + arrivalSeconds + ")");
            }
            if (!(durationSeconds > 0) || Double.isInfinite(durationSeconds)) {
                throw new IllegalArgumentException("duration must be a number > 0 s (was " + durationSeconds + ")");
            }
            if (kind == null || kind.isBlank()) {
                kind = "task";
            }
        }
    }

    public Trace {
        List<Task> sorted = new ArrayList<>(tasks);
        sorted.sort(Comparator.comparingDouble(Task::arrivalSeconds));
        tasks = List.copyOf(sorted);
    }

    /** Thread-seconds of work in the trace. */
    public double totalWorkSeconds() {
        return tasks.stream().mapToDouble(Task::durationSeconds).sum();
    }
}
