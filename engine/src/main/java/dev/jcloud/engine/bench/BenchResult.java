package dev.jcloud.engine.bench;

/** One benchmark run: the shape, how many tasks ran, and the wall time they took. */
public record BenchResult(String shape, long tasks, double seconds) {

    public double tasksPerSecond() {
        return tasks / seconds;
    }

    /** {@code {"shape":…,"tasks":…,"seconds":…,"tasks_per_s":…}}, the same keys as the Dask anchor. */
    public String toJson() {
        return String.format(java.util.Locale.ROOT, "{\"shape\":\"%s\",\"tasks\":%d,\"seconds\":%.6f,\"tasks_per_s\":%d}",
                shape, tasks, seconds, Math.round(tasksPerSecond()));
    }
}
