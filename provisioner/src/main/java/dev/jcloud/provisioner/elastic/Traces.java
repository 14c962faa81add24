package dev.jcloud.provisioner.elastic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The built-in workloads, generated from a fixed seed so every run sees the same tasks.
 *
 * <ul>
 *   <li><b>bursty</b>: one hour of bursts of 40–240 tasks (a few seconds each, lognormal,
 *       median 6 s) submitted within 5 s, separated by gaps of 20 s to several minutes
 *       (exponential, mean 2 min): interactive analysis, a notebook user re-running cells;</li>
 *   <li><b>steady</b>: 30 minutes of a Poisson stream, 2 tasks/s, exponential durations
 *       (mean 5 s): a service feeding the cluster;</li>
 *   <li><b>longtail</b>: 1,500 tasks submitted in the first minute with Pareto durations
 *       (α 1.6, from 2 s, capped at 15 min): a few stragglers keep the cluster alive;</li>
 *   <li><b>nightly</b>: three nights, 3 h apart, each a pipeline of 5 stages of 100–400
 *       tasks (lognormal, median 15 s) submitted 4–6 min apart, leaving idle gaps between
 *       stages and long gaps between nights;</li>
 *   <li><b>notebook</b>: an eight-hour working day in a notebook: cells of 10–100 short tasks
 *       (lognormal, median 3 s) submitted within a second, separated by think time of 30 s
 *       plus minutes (exponential, mean 4 min), and a 45-minute lunch break;</li>
 *   <li><b>ci</b>: two hours of a CI-like fan-out: every 3–8 minutes, 200–600 short tasks
 *       (lognormal, median 2 s) submitted within a second.</li>
 * </ul>
 */
public final class Traces {

    /** The names accepted by {@link #builtIn}. */
    public static final List<String> NAMES = List.of("bursty", "steady", "longtail", "nightly", "notebook", "ci");

    private static final long SEED = 20250601L;

    private Traces() {}

    /** The built-in trace called {@code name}. */
    public static Trace builtIn(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bursty" -> bursty();
            case "steady" -> steady();
            case "longtail" -> longtail();
            case "nightly" -> nightly();
            case "notebook" -> notebook();
            case "ci" -> ci();
            default ->
                throw new IllegalArgumentException("unknown trace '" + name + "': use one of "
                        + String.join(", ", NAMES) + " or the path of a trace file");
        };
    }

    static Trace bursty() {
        Random r = new Random(SEED);
        List<Trace.Task> tasks = new ArrayList<>();
        double t = 0;
        while (t < 3600) {
            int n = 40 + r.nextInt(201);
            for (int i = 0; i < n; i++) {
                tasks.add(new Trace.Task(t + 5 * r.nextDouble(), lognormal(r, 6, 0.6), "burst"));
            }
            t += 20 + exponential(r, 120);
        }
        return new Trace("bursty", tasks);
    }

    static Trace steady() {
        Random r = new Random(SEED + 1);
        List<Trace.Task> tasks = new ArrayList<>();
        for (double t = exponential(r, 0.5); t < 1800; t += exponential(r, 0.5)) {
            tasks.add(new Trace.Task(t, Math.max(0.05, exponential(r, 5)), "stream"));
        }
        return new Trace("steady", tasks);
    }

    static Trace longtail() {
        Random r = new Random(SEED + 2);
        List<Trace.Task> tasks = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            double pareto = 2 / Math.pow(1 - r.nextDouble(), 1 / 1.6);
            tasks.add(new Trace.Task(60 * r.nextDouble(), Math.min(900, pareto), "sim"));
        }
        return new Trace("longtail", tasks);
    }

    static Trace nightly() {
        Random r = new Random(SEED + 3);
        List<Trace.Task> tasks = new ArrayList<>();
        for (int night = 0; night < 3; night++) {
            double t = night * 3 * 3600.0;
            for (int stage = 0; stage < 5; stage++) {
                int n = 100 + r.nextInt(301);
                for (int i = 0; i < n; i++) {
                    tasks.add(new Trace.Task(t + 2 * r.nextDouble(), lognormal(r, 15, 0.5), "stage" + stage));
                }
                t += 240 + 120 * r.nextDouble();
            }
        }
        return new Trace("nightly", tasks);
    }

    static Trace notebook() {
        Random r = new Random(SEED + 4);
        List<Trace.Task> tasks = new ArrayList<>();
        double t = 0;
        boolean lunch = false;
        while (t < 8 * 3600) {
            int n = 10 + r.nextInt(91);
            for (int i = 0; i < n; i++) {
                tasks.add(new Trace.Task(t + r.nextDouble(), lognormal(r, 3, 0.7), "cell"));
            }
            t += 30 + exponential(r, 240);
            if (!lunch && t > 4 * 3600) {
                t += 45 * 60;
                lunch = true;
            }
        }
        return new Trace("notebook", tasks);
    }

    static Trace ci() {
        Random r = new Random(SEED + 5);
        List<Trace.Task> tasks = new ArrayList<>();
        double t = 0;
        while (t < 2 * 3600) {
            int n = 200 + r.nextInt(401);
            for (int i = 0; i < n; i++) {
                tasks.add(new Trace.Task(t + r.nextDouble(), lognormal(r, 2, 0.7), "job"));
            }
            t += 180 + 300 * r.nextDouble();
        }
        return new Trace("ci", tasks);
    }

    private static double lognormal(Random r, double median, double sigma) {
        return median * Math.exp(sigma * r.nextGaussian());
    }

    private static double exponential(Random r, double mean) {
        return -mean * Math.log(1 - r.nextDouble());
    }
}
