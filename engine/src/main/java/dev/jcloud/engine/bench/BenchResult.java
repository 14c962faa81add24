package dev.jcloud.engine.bench;

/**
 * One benchmark run: the shape, how many tasks ran, and the wall time they took. Shapes timed over
 * several rounds give the best round as {@code seconds} and the median round as {@code median}.
 */
public record BenchResult(String shape, long tasks, double seconds, double median) {

    /** A run timed once: its best and median are the same time. */
    public BenchResult(String shape, long tasks, double seconds) {
        this(shape, tasks, seconds, seconds);
    }

    public double tasksPerSecond() {
        return seconds > 0 ? tasks / seconds : 0;
    }
}
