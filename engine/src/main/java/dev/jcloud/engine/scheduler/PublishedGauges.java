package dev.jcloud.engine.scheduler;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Values that code running beside the scheduler ({@link SchedulerExtension}s such as the in-cluster
 * controller) publishes through {@link SchedulerHandle#publish}: cost, the adaptive target.
 * Written from any thread, read by the loop when it builds the dashboard and by {@code /metrics}.
 * Bounded: a program cannot grow the scheduler's memory through it without limit.
 */
final class PublishedGauges {

    /** Prometheus metric-name characters, lower case, so that {@code jcloud_<name>} is a valid name. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    static final int MAX_GAUGES = 64;
    static final int MAX_WORKERS_PER_GAUGE = 10_000;

    /** The gauges the dashboard's cluster panel shows (names documented on {@link SchedulerHandle}). */
    static final String ADAPTIVE_TARGET = "adaptive_target_workers";

    static final String COST_TOTAL = "cost_dollars_total";
    static final String COST_PER_HOUR = "cost_dollars_per_hour";

    private final Map<String, Double> cluster = new ConcurrentHashMap<>();
    /** gauge → worker → value; a worker's values are kept a while after it left (see {@link #retainWorkers}). */
    private final Map<String, Map<String, Value>> perWorker = new ConcurrentHashMap<>();

    /** A worker's value and when it was published. */
    private record Value(double value, long publishedMillis) {}

    /** Values of a worker not connected (not yet, or no longer) are kept this long after they were published. */
    static final long KEEP_UNCONNECTED_MILLIS = 60_000;

    void set(String gauge, double value) {
        check(gauge, value);
        if (gauge.startsWith("worker_") || MetricsEndpoint.isBuiltIn("jcloud_" + gauge)) {
            throw new IllegalArgumentException("gauge name '" + gauge + "' is taken by a built-in metric"
                    + (gauge.startsWith("worker_") ? " family (worker_*: publish it per worker instead)" : ""));
        }
        if (Double.isNaN(value)) {
            cluster.remove(gauge);
            return;
        }
        if (!cluster.containsKey(gauge) && cluster.size() >= MAX_GAUGES) {
            throw new IllegalStateException(
                    "at most " + MAX_GAUGES + " cluster gauges can be published; " + gauge + " is one too many");
        }
        cluster.put(gauge, value);
    }

    void set(String gauge, String worker, double value) {
        check(gauge, value);
        if (MetricsEndpoint.isBuiltIn("jcloud_worker_" + gauge)) {
            throw new IllegalArgumentException("worker gauge name '" + gauge + "' is taken by a built-in metric");
        }
        if (worker == null || worker.isEmpty()) {
            throw new IllegalArgumentException("worker name is empty for gauge " + gauge);
        }
        if (Double.isNaN(value)) {
            Map<String, Value> byWorker = perWorker.get(gauge);
            if (byWorker != null) {
                byWorker.remove(worker);
            }
            return;
        }
        if (!perWorker.containsKey(gauge) && perWorker.size() >= MAX_GAUGES) {
            throw new IllegalStateException(
                    "at most " + MAX_GAUGES + " worker gauges can be published; " + gauge + " is one too many");
        }
        Map<String, Value> byWorker = perWorker.computeIfAbsent(gauge, g -> new ConcurrentHashMap<>());
        if (!byWorker.containsKey(worker) && byWorker.size() >= MAX_WORKERS_PER_GAUGE) {
            throw new IllegalStateException("gauge " + gauge + " already has " + MAX_WORKERS_PER_GAUGE + " workers");
        }
        byWorker.put(worker, new Value(value, System.currentTimeMillis()));
    }

    /**
     * Forgets per-worker values of workers that are not connected and were not published for
     * {@link #KEEP_UNCONNECTED_MILLIS} (a worker still booting keeps its cost); called from the
     * loop now and then.
     */
    void retainWorkers(Collection<String> workers, long nowMillis) {
        Set<String> live = Set.copyOf(workers);
        perWorker
                .values()
                .forEach(m -> m.entrySet()
                        .removeIf(e -> !live.contains(e.getKey())
                                && nowMillis - e.getValue().publishedMillis() > KEEP_UNCONNECTED_MILLIS));
    }

    /** A sorted copy of the cluster gauges. */
    Map<String, Double> cluster() {
        return cluster.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(cluster));
    }

    /** A sorted copy of the worker gauges: gauge → worker → value. */
    Map<String, Map<String, Double>> workers() {
        if (perWorker.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<String, Double>> out = new TreeMap<>();
        perWorker.forEach((g, m) -> {
            if (!m.isEmpty()) {
                Map<String, Double> values = new TreeMap<>();
                m.forEach((worker, v) -> values.put(worker, v.value()));
                out.put(g, Collections.unmodifiableMap(values));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    double get(String gauge) {
        Double v = cluster.get(gauge);
        return v == null ? Double.NaN : v;
    }

    private static void check(String gauge, double value) {
        if (Double.isInfinite(value)) {
            throw new IllegalArgumentException("gauge " + gauge + " must be finite (was " + value + ")");
        }
        if (gauge == null || !NAME.matcher(gauge).matches()) {
            throw new IllegalArgumentException("gauge name " + (gauge == null ? "null" : "'" + gauge + "'")
                    + " must be lower-case letters, digits and _ (starting with a letter, at most 63), e.g. "
                    + COST_PER_HOUR);
        }
    }
}
