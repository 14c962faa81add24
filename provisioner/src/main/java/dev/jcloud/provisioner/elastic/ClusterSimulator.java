package dev.jcloud.provisioner.elastic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Replays a {@link Trace} through a {@link ScalingPolicy} on a simulated cluster: no cloud, no
 * threads, no wall clock — the same inputs always give the same result.
 *
 * <p>The model: a started worker registers after the boot delay (a constant, or measured
 * delays replayed in turn) and is billed from its start
 * (Fargate bills from image pull; EC2 from "running", which most of the boot is) until it is
 * retired, by the {@link BillingModel}. Each worker has N threads; the scheduler hands queued
 * tasks, first come first served, to free threads (lowest worker id first). The policy is asked
 * every interval (1 s). A retired worker's running tasks go back to the front of the queue.
 * Task durations are measured per kind as tasks finish, as Dask measures task prefixes. The
 * run ends when every task is done and the policy is down to its minimum; a fixed cluster is
 * stopped when the last task ends.
 */
public final class ClusterSimulator {

    /**
     * The simulated cloud.
     *
     * @param threadsPerWorker  threads of each worker
     * @param bootDelaySeconds  seconds from start to registered (VM ~60, Fargate ~40)
     * @param billing           the billing rules
     * @param pricePerHour      USD per worker-hour
     * @param maxWorkers        hard limit where machines are created (whatever the policy asks)
     * @param bootSamples       boot delays replayed in turn, one per start (a measured
     *                          distribution); empty: every start takes {@code bootDelaySeconds}
     */
    public record Settings(
            int threadsPerWorker,
            double bootDelaySeconds,
            BillingModel billing,
            double pricePerHour,
            int maxWorkers,
            List<Double> bootSamples) {

        /** Every start takes {@code bootDelaySeconds}. */
        public Settings(
                int threadsPerWorker,
                double bootDelaySeconds,
                BillingModel billing,
                double pricePerHour,
                int maxWorkers) {
            this(threadsPerWorker, bootDelaySeconds, billing, pricePerHour, maxWorkers, List.of());
        }

        public Settings {
            bootSamples = List.copyOf(bootSamples);
            for (double b : bootSamples) {
                if (!(b >= 0) || Double.isInfinite(b)) {
                    throw new IllegalArgumentException("boot delays must be numbers ≥ 0 s (was " + b + ")");
                }
            }
            if (threadsPerWorker < 1) {
                throw new IllegalArgumentException("threads per worker must be ≥ 1 (was " + threadsPerWorker + ")");
            }
            if (bootDelaySeconds < 0) {
                throw new IllegalArgumentException("boot delay must be ≥ 0 s (was " + bootDelaySeconds + ")");
            }
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("max workers must be ≥ 1 (was " + maxWorkers + ")");
            }
        }
    }

    /** After the last task, give up waiting for the policy to scale down after this long. */
    private static final double MAX_TAIL_SECONDS = 6 * 3600;

    private final Settings settings;

    public ClusterSimulator(Settings settings) {
        this.settings = settings;
    }

    /** Replays {@code trace} through {@code policy} (a fresh policy per run: policies keep state). */
    public SimulationResult run(Trace trace, ScalingPolicy policy) {
        return new Run(trace, policy).execute();
    }

    /** One worker of the simulated cluster. */
    private static final class Worker {
        final int id;
        final double launchedAt;
        final double readyAt;
        boolean ready;
        double idleSince = Double.NaN;
        /** Seconds registered with no task running, up to the last time it went busy. */
        double idleSeconds;

        final Map<Integer, Event> running = new LinkedHashMap<>();

        Worker(int id, double launchedAt, double readyAt) {
            this.id = id;
            this.launchedAt = launchedAt;
            this.readyAt = readyAt;
        }
    }

    /** A boot completing or a task finishing; cancelled when its worker is retired. */
    private static final class Event implements Comparable<Event> {
        final double time;
        final long seq;
        final int worker;
        final int task; // -1: the worker is up
        final double startedAt;
        boolean cancelled;

        Event(double time, long seq, int worker, int task, double startedAt) {
            this.time = time;
            this.seq = seq;
            this.worker = worker;
            this.task = task;
            this.startedAt = startedAt;
        }

        @Override
        public int compareTo(Event o) {
            int c = Double.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** The state of one replay. */
    private final class Run {
        private final List<Trace.Task> tasks;
        private final ScalingPolicy policy;
        private final String traceName;
        private final Deque<Integer> queue = new ArrayDeque<>();
        private final TreeMap<Integer, Worker> workers = new TreeMap<>();
        private final PriorityQueue<Event> events = new PriorityQueue<>();
        private final Map<String, int[]> counts = new LinkedHashMap<>(); // kind -> {queued, running}
        private final Map<String, double[]> measured = new HashMap<>(); // kind -> {sum, n}
        private int nextArrival;
        private int done;
        private long seq;
        private int nextWorkerId;
        private long billed;
        private int launched;
        private int peak;
        private double makespan;
        private double latencySum;
        private double waitSum;
        private double bootBilled;
        private double idleBilled;
        private double busyBilled;
        private double minimumBilled;
        private double lostWork;

        Run(Trace trace, ScalingPolicy policy) {
            this.tasks = trace.tasks();
            this.policy = policy;
            this.traceName = trace.name();
            for (Trace.Task t : tasks) {
                counts.computeIfAbsent(t.kind(), k -> new int[2]);
            }
        }

        SimulationResult execute() {
            double interval = policy.intervalSeconds();
            long tick = 0;
            while (true) {
                double now = tick * interval;
                advanceTo(now);
                apply(now, policy.decide(snapshot(now)));
                dispatch(now);
                boolean allDone = done == tasks.size();
                if (allDone && (workers.size() <= policy.minWorkers() || now > makespan + MAX_TAIL_SECONDS)) {
                    break;
                }
                tick++;
            }
            for (Worker w : new ArrayList<>(workers.values())) {
                stop(w, Math.max(makespan, w.launchedAt)); // `down` when the work is done
            }
            double dollars = billed / 3600.0 * settings.pricePerHour();
            int n = tasks.size();
            SimulationResult.Ledger ledger = new SimulationResult.Ledger(
                    bootBilled,
                    busyBilled,
                    idleBilled,
                    minimumBilled,
                    lostWork,
                    n == 0 ? 0 : waitSum / n,
                    n == 0 ? 0 : (latencySum - waitSum) / n);
            return new SimulationResult(
                    traceName,
                    policy.name(),
                    billed,
                    dollars,
                    makespan,
                    launched,
                    peak,
                    tasks.isEmpty() ? 0 : latencySum / tasks.size(),
                    ledger);
        }

        /** Processes arrivals, boots and task ends up to {@code now}, in time order. */
        private void advanceTo(double now) {
            while (true) {
                Event e = events.peek();
                double arrival =
                        nextArrival < tasks.size() ? tasks.get(nextArrival).arrivalSeconds() : Double.MAX_VALUE;
                double next = Math.min(arrival, e == null ? Double.MAX_VALUE : e.time);
                if (next > now) {
                    return;
                }
                if (e != null && e.time <= arrival) {
                    events.poll();
                    if (!e.cancelled) {
                        handle(e);
                    }
                } else {
                    Trace.Task t = tasks.get(nextArrival);
                    queue.addLast(nextArrival++);
                    counts.get(t.kind())[0]++;
                }
                dispatch(next);
            }
        }

        private void handle(Event e) {
            Worker w = workers.get(e.worker);
            if (e.task < 0) {
                w.ready = true;
                w.idleSince = e.time;
                return;
            }
            w.running.remove(e.task);
            Trace.Task t = tasks.get(e.task);
            counts.get(t.kind())[1]--;
            double[] m = measured.computeIfAbsent(t.kind(), k -> new double[2]);
            m[0] += t.durationSeconds();
            m[1]++;
            done++;
            makespan = Math.max(makespan, e.time);
            latencySum += e.time - t.arrivalSeconds();
            waitSum += e.startedAt - t.arrivalSeconds();
            if (w.running.isEmpty()) {
                w.idleSince = e.time;
            }
        }

        /** First come, first served to free threads, lowest worker id first. */
        private void dispatch(double now) {
            if (queue.isEmpty()) {
                return;
            }
            for (Worker w : workers.values()) {
                while (w.ready && w.running.size() < settings.threadsPerWorker() && !queue.isEmpty()) {
                    int task = queue.pollFirst();
                    Trace.Task t = tasks.get(task);
                    counts.get(t.kind())[0]--;
                    counts.get(t.kind())[1]++;
                    Event end = new Event(now + t.durationSeconds(), seq++, w.id, task, now);
                    if (w.running.isEmpty() && !Double.isNaN(w.idleSince)) {
                        w.idleSeconds += now - w.idleSince;
                    }
                    w.running.put(task, end);
                    w.idleSince = Double.NaN;
                    events.add(end);
                }
                if (queue.isEmpty()) {
                    return;
                }
            }
        }

        private void apply(double now, ScalingDecision d) {
            for (int id : d.retire()) {
                Worker w = workers.get(id);
                if (w == null) {
                    continue;
                }
                // Running tasks are lost with the worker and start again elsewhere, in order.
                List<Integer> lost = new ArrayList<>(w.running.keySet());
                for (int i = lost.size() - 1; i >= 0; i--) {
                    int task = lost.get(i);
                    w.running.get(task).cancelled = true;
                    lostWork += now - w.running.get(task).startedAt;
                    Trace.Task t = tasks.get(task);
                    counts.get(t.kind())[1]--;
                    counts.get(t.kind())[0]++;
                    queue.addFirst(task);
                }
                stop(w, now);
            }
            int launch = Math.min(d.launch(), settings.maxWorkers() - workers.size());
            for (int i = 0; i < launch; i++) {
                Worker w = new Worker(nextWorkerId++, now, now + bootDelay(launched));
                workers.put(w.id, w);
                events.add(new Event(w.readyAt, seq++, w.id, -1, now));
                launched++;
            }
            peak = Math.max(peak, workers.size());
        }

        /** The boot delay of the {@code n}-th start: the samples in turn, else the constant. */
        private double bootDelay(int n) {
            List<Double> samples = settings.bootSamples();
            return samples.isEmpty() ? settings.bootDelaySeconds() : samples.get(n % samples.size());
        }

        private void stop(Worker w, double at) {
            for (Event e : w.running.values()) {
                e.cancelled = true;
            }
            if (!w.ready) {
                events.removeIf(e -> e.worker == w.id);
            }
            workers.remove(w.id);
            long bill = settings.billing().billedSeconds(at - w.launchedAt);
            billed += bill;
            double up = Math.min(at, w.readyAt);
            bootBilled += up - w.launchedAt;
            if (w.ready) {
                double idle =
                        w.idleSeconds + (w.running.isEmpty() && !Double.isNaN(w.idleSince) ? at - w.idleSince : 0);
                idleBilled += idle;
                busyBilled += at - up - idle;
            }
            minimumBilled += bill - (at - w.launchedAt);
        }

        private ClusterSnapshot snapshot(double now) {
            List<TaskLoad> loads = new ArrayList<>(counts.size());
            counts.forEach((kind, c) -> {
                double[] m = measured.get(kind);
                loads.add(new TaskLoad(kind, c[0], c[1], m == null ? Double.NaN : m[0] / m[1]));
            });
            List<WorkerView> views = new ArrayList<>(workers.size());
            for (Worker w : workers.values()) {
                views.add(new WorkerView(
                        w.id,
                        w.launchedAt,
                        w.ready,
                        w.running.size(),
                        w.ready && w.running.isEmpty() ? w.idleSince : Double.NaN,
                        0,
                        0));
            }
            return new ClusterSnapshot(now, settings.threadsPerWorker(), loads, views, nextArrival);
        }
    }
}
