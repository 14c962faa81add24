package dev.jcloud.cli;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The bundled example computation: estimate pi by throwing random points at the unit square.
 * A {@code map} of independent sampling tasks, then a {@link Delayed} binary tree that sums their
 * counts on the cluster (only the final number travels back), so it shows both a map and a graph.
 * Static methods only: task functions must not capture the command object.
 */
final class PiEstimate {

    /** The outcome: the estimate and the work it took. */
    record Result(double pi, long samples, int mapTasks, int reduceTasks) {}

    private PiEstimate() {}

    /** Runs {@code tasks} sampling tasks of {@code samplesPerTask} points each; draws progress on {@code progress}. */
    static Result run(Client client, int tasks, int samplesPerTask, PrintStream progress) throws Exception {
        List<Integer> seeds = IntStream.range(0, tasks).boxed().toList();
        List<TaskFuture<Long>> hits = client.map(seed -> hits(seed, samplesPerTask), seeds);
        client.progress(hits, progress);

        List<Delayed<Long>> level = new ArrayList<>();
        for (TaskFuture<Long> f : hits) {
            level.add(Delayed.of(f));
        }
        int reduceTasks = 0;
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                next.add(level.get(i).combine(level.get(i + 1), PiEstimate::sum));
                reduceTasks++;
            }
            if (level.size() % 2 == 1) {
                next.add(level.get(level.size() - 1));
            }
            level = next;
        }
        long samples = (long) tasks * samplesPerTask;
        Delayed<Double> pi = level.get(0).then(total -> 4.0 * total / samples);
        double estimate = client.compute(pi).get();
        return new Result(estimate, samples, tasks, reduceTasks + 1);
    }

    /** Points of {@code n} random ones (from a seed, so results are reproducible) inside the quarter circle. */
    static long hits(int seed, int n) {
        SplittableRandom random = new SplittableRandom(0x5EED_0000L + seed);
        long inside = 0;
        for (int i = 0; i < n; i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return inside;
    }

    static Long sum(Long a, Long b) {
        return a + b;
    }
}
