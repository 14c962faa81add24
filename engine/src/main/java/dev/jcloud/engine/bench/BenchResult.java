package dev.jcloud.engine.bench;

/** One benchmark run: the shape, how many tasks ran, and the wall time they took. */
public record BenchResult(String shape, long tasks, double seconds) {

    public double tasksPerSecond() {
        return seconds > 0 ? tasks / seconds : 0;
    }
}
