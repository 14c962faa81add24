package dev.jcloud.provisioner.controller;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.KindLoad;
import dev.jcloud.engine.proto.WorkerInfo;
import dev.jcloud.engine.scheduler.SchedulerExtension;
import dev.jcloud.engine.scheduler.SchedulerHandle;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.elastic.AdaptGoal;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.BootTimes;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.ClusterSnapshot;
import dev.jcloud.provisioner.elastic.JcloudPolicy;
import dev.jcloud.provisioner.elastic.ScalingDecision;
import dev.jcloud.provisioner.elastic.ScalingPolicy;
import dev.jcloud.provisioner.elastic.TaskLoad;
import dev.jcloud.provisioner.elastic.WorkerView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-cluster controller: runs inside the scheduler process (as a {@link SchedulerExtension})
 * with the machine's own cloud identity, and keeps working when every client has gone.
 *
 * <ul>
 *   <li><b>Adaptive scaling</b> (when the spec has bounds): every interval it builds a
 *       {@link ClusterSnapshot} from the scheduler's own view (queued and running tasks per kind
 *       with their measured durations, workers and whether they are idle), asks the
 *       {@link JcloudPolicy} with the cluster's goal (billing-aware: a worker is retired only once
 *       idle and its paid minimum is used up), planning with the boot delay measured from the
 *       workers it started (published as {@code boot_seconds}), launches workers through the same provider code as the CLI, and retires
 *       workers gracefully through the scheduler (their results move first), then removes their
 *       machines. Workers the platform has not started ({@link CloudProvider#waitingNodes}: a
 *       batch job in its queue) are given up first and at once, and are never given up for being
 *       slow to start; a platform's cap on requests ({@link CloudProvider#launchableWorkers})
 *       holds launches back until it has room.</li>
 *   <li><b>Idle teardown</b>: when the scheduler stops for being idle it removes the cluster's
 *       workers and shared resources (and, on a cloud, its own machine last), so nothing is left
 *       billing.</li>
 * </ul>
 *
 * <p>The maximum is enforced here and again by the provider where machines are created.
 */
public final class ClusterController implements SchedulerExtension {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterController.class);
    /**
     * A worker launched but not registered after this long is given up and removed, unless the
     * platform says it has not started it yet (a batch job waits in its queue as long as it must).
     */
    private static final double BOOT_GIVE_UP_SECONDS = 900;
    /** How often the platform is asked for the core-hours used: its accounting is not queried each second. */
    private static final double USAGE_POLL_SECONDS = 30;
    /** How often the platform is asked which workers it has not started: a batch site's queue is not polled each second. */
    private static final double WAITING_POLL_SECONDS = 5;

    private final CloudProviders providers;
    private final DoubleSupplier clock;
    private final boolean ownThread;
    private ScheduledExecutorService timer;
    private SchedulerHandle scheduler;
    private ClusterSpec spec;
    private CloudProvider provider;
    private ClusterContext cluster;
    private ScalingPolicy policy;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<Integer, String> names = new HashMap<>();
    /** Workers this controller (or up) requested, by name: when, on the controller's clock. */
    private final Map<String, Double> launchedAt = new HashMap<>();

    private final Map<String, Double> idleSince = new HashMap<>();
    private final Set<String> retiring = new HashSet<>();
    /** Workers being billed now: since when (controller clock); and the billed run time of those gone. */
    private final Map<String, Double> running = new HashMap<>();

    private final List<Double> finishedSeconds = new ArrayList<>();
    /** Workers this controller started and that have not registered yet: their boot is measured. */
    private final Set<String> bootMeasured = new HashSet<>();

    /** Workers the platform has not started yet, by name, as it said when last asked. */
    private Map<String, Node> waiting = Map.of();

    private double waitingPolledAt = Double.NEGATIVE_INFINITY;
    private double usagePolledAt = Double.NEGATIVE_INFINITY;
    /** Where the core-hours came from last time (logged when it changes). */
    private String usageSource = "";
    /** Whether the platform's cap on requests held the last launch back (reported once per spell). */
    private boolean launchCapped;

    private BootTimes bootTimes;
    /** The start-up time last handed to the provider ({@link CloudProvider#startupMeasured}). */
    private double startupReported = Double.NaN;

    private double startedAt;
    private java.util.Optional<ClusterPricing> pricing = java.util.Optional.empty();

    /** The controller ServiceLoader creates: the providers on the scheduler's class path, wall-clock seconds. */
    public ClusterController() {
        this(CloudProviders.load(), () -> System.nanoTime() / 1e9, true);
    }

    /**
     * A controller over {@code providers} with {@code clock} (seconds).
     *
     * @param ownThread false in tests, which call {@link #step()} themselves with a fake clock
     */
    public ClusterController(CloudProviders providers, DoubleSupplier clock, boolean ownThread) {
        this.providers = providers;
        this.clock = clock;
        this.ownThread = ownThread;
    }

    @Override
    public boolean start(SchedulerHandle handle, String clusterSpec) {
        ClusterSpec parsed = ClusterSpec.parse(clusterSpec);
        if (parsed == null) {
            return false;
        }
        this.scheduler = handle;
        this.spec = parsed;
        this.provider = providers.require(parsed.provider());
        this.cluster = parsed.context();
        this.startedAt = clock.getAsDouble();
        this.pricing = provider.pricing(parsed.options());
        if (ownThread) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jcloud-controller");
                t.setDaemon(true);
                return t;
            });
            // One round a second: scaling decisions (when adaptive) and the cost meter.
            timer.scheduleWithFixedDelay(this::safeStep, 1000, 1000, TimeUnit.MILLISECONDS);
        }
        this.bootTimes = new BootTimes(parsed.bootDelaySeconds());
        if (parsed.adapt() != null) {
            ClusterSpec.Adapt a = parsed.adapt();
            this.policy = policy(a);
            LOG.info(
                    "controller of cluster {} ({}): adaptive between {} and {} workers, goal {}, target {} s per task"
                            + " backlog, billing minimum {} s",
                    parsed.name(),
                    parsed.provider(),
                    a.min(),
                    a.max(),
                    a.goal(),
                    a.targetDurationSeconds(),
                    parsed.billingMinimumSeconds());
        } else {
            LOG.info(
                    "controller of cluster {} ({}): fixed size; removes the cluster when idle",
                    parsed.name(),
                    parsed.provider());
        }
        return true;
    }

    /** The policy for {@code a}, planning with the boot delay measured so far. */
    private JcloudPolicy policy(ClusterSpec.Adapt a) {
        return new JcloudPolicy(
                a.min(),
                a.max(),
                a.targetDurationSeconds(),
                bootTimes.estimateSeconds(),
                new BillingModel(spec.billingMinimumSeconds()),
                AdaptGoal.parse(a.goal(), "adapt goal"));
    }

    /** The boot delay the controller plans with now (measured from its own starts once there are some). */
    public synchronized double bootDelaySeconds() {
        return bootTimes.estimateSeconds();
    }

    private void safeStep() {
        try {
            step();
        } catch (RuntimeException e) {
            // A failed launch (quota, capacity) must not stop the loop: the next interval tries again.
            LOG.warn("controller step failed: {}", e.toString());
            LOG.debug("controller step failed", e);
        }
    }

    /** One round: observe, decide, act. Runs on the controller's single thread. */
    public synchronized void step() {
        double now = clock.getAsDouble();
        ClusterInfo info = scheduler.info();
        if (policy != null) {
            pollWaiting(now);
        }
        ClusterSnapshot snapshot = snapshot(info, now);
        if (policy != null) {
            ScalingDecision decision = policy.decide(snapshot);
            int launched = decision.launch() > 0
                    ? launch(decision.launch(), now, snapshot.workers().size())
                    : 0;
            List<String> accepted = List.of();
            int givenUp = 0;
            if (!decision.retire().isEmpty()) {
                List<String> retire = decision.retire().stream()
                        .map(names::get)
                        .filter(n -> n != null)
                        .toList();
                Set<String> registered = new HashSet<>();
                info.getWorkersList().forEach(w -> registered.add(w.getName()));
                List<String> notStarted = retire.stream()
                        .filter(n -> waiting.containsKey(n) && !registered.contains(n))
                        .toList();
                givenUp = giveUpWaiting(notStarted);
                List<String> running =
                        retire.stream().filter(n -> !notStarted.contains(n)).toList();
                if (!running.isEmpty()) {
                    accepted = scheduler.retire(running);
                    retiring.addAll(accepted);
                    LOG.info("controller: retiring {} idle worker(s) {}", accepted.size(), accepted);
                }
            }
            scheduler.publish(
                    "adaptive_target_workers", snapshot.workers().size() + launched - accepted.size() - givenUp);
        }
        removeGoneMachines(info, now);
        meterCost(info, now);
        meterUsage(now);
    }

    /**
     * Publishes the core-hours the platform accounts ({@link CloudProvider#usage}), at most every
     * {@value #USAGE_POLL_SECONDS} s: on {@code /metrics} and the dashboard beside the cost.
     */
    private void meterUsage(double now) {
        if (now - usagePolledAt < USAGE_POLL_SECONDS) {
            return;
        }
        usagePolledAt = now;
        java.util.Optional<dev.jcloud.provisioner.ResourceUsage> usage;
        try {
            usage = provider.usage(cluster);
        } catch (RuntimeException e) {
            LOG.debug("controller: asking for the core-hours used failed", e);
            return;
        }
        usage.ifPresent(u -> {
            scheduler.publish("core_hours_total", u.coreHours());
            scheduler.publish("core_hours_per_hour", u.coreHoursPerHour());
            if (!u.source().equals(usageSource)) {
                usageSource = u.source();
                LOG.info("controller: core-hours from {}", u.source());
            }
        });
    }

    /**
     * Publishes dollars spent (billed as the cloud bills: per second, the minimum per start) and
     * dollars per hour now, for the cluster and per worker. Workers that left keep their bill.
     */
    private void meterCost(ClusterInfo info, double now) {
        if (pricing.isEmpty()) {
            return;
        }
        ClusterPricing p = pricing.get();
        Set<String> present = new HashSet<>();
        info.getWorkersList().forEach(w -> present.add(w.getName()));
        for (String name : List.copyOf(running.keySet())) {
            if (!present.contains(name) && !launchedAt.containsKey(name)) {
                finishedSeconds.add(now - running.remove(name)); // gone: its bill is final
            }
        }
        for (Map.Entry<String, Double> e : launchedAt.entrySet()) {
            running.putIfAbsent(e.getKey(), e.getValue());
        }
        List<Double> seconds = new ArrayList<>(finishedSeconds);
        for (Map.Entry<String, Double> e : running.entrySet()) {
            double s = now - e.getValue();
            seconds.add(s);
            if (present.contains(e.getKey())) {
                scheduler.publish("cost_dollars_total", e.getKey(), p.workerDollars(s));
            }
        }
        scheduler.publish("cost_dollars_total", p.dollarsSpent(now - startedAt, seconds));
        scheduler.publish("cost_dollars_per_hour", p.dollarsPerHour(running.size()));
    }

    /** Asks the platform which workers it has not started, at most every {@value #WAITING_POLL_SECONDS} s. */
    private void pollWaiting(double now) {
        if (now - waitingPolledAt < WAITING_POLL_SECONDS) {
            return;
        }
        waitingPolledAt = now;
        try {
            Map<String, Node> found = new HashMap<>();
            Provisioner.waitingWorkers(provider, cluster).forEach(n -> found.put(n.name(), n));
            waiting = found;
        } catch (RuntimeException e) {
            LOG.debug("controller: asking which workers wait failed; keeping the last answer", e);
        }
    }

    /**
     * Removes the workers {@code notStarted} that the platform has not started (cancels their
     * pending jobs): nothing runs there to retire gracefully. Returns how many it removed.
     */
    private int giveUpWaiting(List<String> notStarted) {
        List<Node> nodes =
                notStarted.stream().map(waiting::get).filter(n -> n != null).toList();
        if (nodes.isEmpty()) {
            return 0;
        }
        provider.terminate(cluster, nodes);
        Map<String, Node> left = new HashMap<>(waiting);
        for (Node n : nodes) {
            left.remove(n.name());
            launchedAt.remove(n.name());
            bootMeasured.remove(n.name());
            idleSince.remove(n.name());
        }
        waiting = left;
        LOG.info(
                "controller: gave up {} worker(s) not started yet {}",
                nodes.size(),
                nodes.stream().map(Node::name).toList());
        return nodes.size();
    }

    /** The policy's view: tasks per kind, and every worker requested and not yet retired. */
    ClusterSnapshot snapshot(ClusterInfo info, double now) {
        List<TaskLoad> loads = new ArrayList<>();
        for (KindLoad k : info.getKindsList()) {
            loads.add(new TaskLoad(
                    k.getName(),
                    (int) (k.getWaiting() + k.getReady()),
                    (int) k.getProcessing(),
                    k.getMeanSeconds() < 0 ? Double.NaN : k.getMeanSeconds()));
        }
        List<WorkerView> workers = new ArrayList<>();
        Set<String> registered = new HashSet<>();
        for (WorkerInfo w : info.getWorkersList()) {
            registered.add(w.getName());
            if (bootMeasured.remove(w.getName())) {
                bootStarted(now - launchedAt.get(w.getName()));
            }
            if (w.getRetiring() || retiring.contains(w.getName())) {
                continue;
            }
            // A worker the controller did not start (started by up) counts from when it registered.
            double launched = launchedAt.computeIfAbsent(
                    w.getName(),
                    n -> now - Math.max(0, (System.currentTimeMillis() - w.getConnectedMillis()) / 1000.0));
            boolean busy = w.getProcessing() > 0;
            if (busy) {
                idleSince.remove(w.getName());
            } else {
                idleSince.putIfAbsent(w.getName(), now);
            }
            long stored = w.hasLast() ? w.getLast().getStoredBytes() : 0;
            workers.add(new WorkerView(
                    id(w.getName()),
                    launched,
                    true,
                    Math.min(w.getProcessing(), w.getNthreads()),
                    busy ? Double.NaN : idleSince.get(w.getName()),
                    stored,
                    w.getMemoryLimit()));
        }
        for (Map.Entry<String, Double> e : launchedAt.entrySet()) {
            String name = e.getKey();
            boolean queued = waiting.containsKey(name);
            if (!registered.contains(name)
                    && !retiring.contains(name)
                    && (queued || now - e.getValue() < BOOT_GIVE_UP_SECONDS)) {
                workers.add(new WorkerView(id(name), e.getValue(), false, 0, Double.NaN, 0, 0, queued));
            }
        }
        // Requested by others (up, a worker's own walltime replacement) and not started: capacity on its way.
        for (String name : waiting.keySet()) {
            if (!registered.contains(name) && !launchedAt.containsKey(name) && !retiring.contains(name)) {
                workers.add(new WorkerView(id(name), now, false, 0, Double.NaN, 0, 0, true));
            }
        }
        return new ClusterSnapshot(
                now,
                Math.max(1, spec.nthreads()),
                loads,
                workers,
                info.getTasks().getSubmittedTotal());
    }

    /** Starts up to {@code count} workers within the hard maximum; returns how many it started. */
    private int launch(int count, double now, int planned) {
        int allowed = Math.min(count, spec.adapt().max() - planned);
        if (allowed <= 0) {
            return 0;
        }
        int accepted = Math.max(0, Math.min(allowed, provider.launchableWorkers(cluster, allowed)));
        if (accepted < allowed && !launchCapped) {
            LOG.info(
                    "controller: the platform takes {} of {} more worker(s) now (its cap on requests); asking again"
                            + " later",
                    accepted,
                    allowed);
        }
        launchCapped = accepted < allowed;
        allowed = accepted;
        if (allowed <= 0) {
            return 0;
        }
        // Past every worker the cloud reports and every one launched but not yet visible there.
        List<Node> known = new ArrayList<>(provider.nodes(cluster));
        launchedAt.keySet().forEach(n -> known.add(new Node(n, n, NodeRole.WORKER)));
        int first = Provisioner.nextWorkerIndex(spec.name(), known);
        List<Node> started = provider.launch(
                cluster,
                Provisioner.workerLaunches(
                        spec.name(),
                        scheduler.address(),
                        spec.nthreads(),
                        spec.memoryLimit(),
                        spec.deathTimeout(),
                        first,
                        allowed));
        for (Node n : started) {
            launchedAt.put(n.name(), now);
            bootMeasured.add(n.name());
        }
        waitingPolledAt = Double.NEGATIVE_INFINITY; // the new ones are likely waiting: ask at the next round
        LOG.info(
                "controller: launched {} worker(s) {}",
                started.size(),
                started.stream().map(Node::name).toList());
        return started.size();
    }

    /** One of this controller's workers registered {@code seconds} after its launch. */
    private void bootStarted(double seconds) {
        bootTimes.record(seconds);
        double estimate = bootTimes.estimateSeconds();
        if (policy instanceof JcloudPolicy p) {
            p.bootObserved(estimate);
        }
        scheduler.publish("boot_seconds", estimate);
        if (estimate != startupReported) {
            startupReported = estimate;
            try {
                provider.startupMeasured(cluster, java.time.Duration.ofMillis(Math.round(estimate * 1000)));
            } catch (RuntimeException e) {
                LOG.debug("controller: the provider did not take the measured start-up time", e);
            }
        }
        LOG.info("controller: a worker took {} s to register; planning with {} s", seconds, estimate);
    }

    /** Machines of workers that retired (or never came up) are removed: a stopped process may leave a VM billing. */
    private void removeGoneMachines(ClusterInfo info, double now) {
        Set<String> registered = new HashSet<>();
        info.getWorkersList().forEach(w -> registered.add(w.getName()));
        List<String> done = new ArrayList<>();
        for (String name : retiring) {
            if (!registered.contains(name)) {
                done.add(name);
            }
        }
        for (Map.Entry<String, Double> e : launchedAt.entrySet()) {
            if (!registered.contains(e.getKey())
                    && !waiting.containsKey(e.getKey())
                    && now - e.getValue() >= BOOT_GIVE_UP_SECONDS) {
                LOG.warn(
                        "controller: worker {} did not register in {} s; removing it",
                        e.getKey(),
                        BOOT_GIVE_UP_SECONDS);
                done.add(e.getKey());
            }
        }
        if (done.isEmpty()) {
            return;
        }
        List<Node> nodes = provider.nodes(cluster).stream()
                .filter(n -> done.contains(n.name()))
                .toList();
        if (!nodes.isEmpty()) {
            provider.terminate(cluster, nodes);
        }
        for (String name : done) {
            retiring.remove(name);
            launchedAt.remove(name);
            idleSince.remove(name);
            bootMeasured.remove(name);
        }
    }

    private int id(String name) {
        return ids.computeIfAbsent(name, n -> {
            int id = ids.size();
            names.put(id, n);
            return id;
        });
    }

    /** {@code adapt = MIN:MAX[:TARGET]} or {@code off}: new bounds for adaptive scaling, from now on. */
    @Override
    public synchronized String configure(String key, String value) {
        if (!key.equals("adapt")) {
            return null;
        }
        if (value.equals("off")) {
            policy = null;
            scheduler.publish("adaptive_target_workers", Double.NaN);
            return "adaptive scaling off; the cluster keeps its " + launchedAt.size() + " workers";
        }
        String[] parts = value.split(":", -1);
        if (parts.length < 2 || parts.length > 4) {
            throw new IllegalArgumentException("adapt: use MIN:MAX, MIN:MAX:TARGET or MIN:MAX:TARGET:GOAL"
                    + " (e.g. 0:50:5s:balanced; goals: cost, balanced, latency), or off (was '" + value + "')");
        }
        ClusterSpec.Adapt a;
        try {
            double target = parts.length >= 3 && !parts[2].isBlank()
                    ? dev.jcloud.config.Durations.parse(parts[2]).toMillis() / 1000.0
                    : spec.adapt() != null ? spec.adapt().targetDurationSeconds() : 5;
            String goal = parts.length == 4
                    ? AdaptGoal.parse(parts[3], "adapt goal").id()
                    : spec.adapt() != null ? spec.adapt().goal() : AdaptGoal.COST.id();
            a = new ClusterSpec.Adapt(
                    Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()), target, goal);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("adapt '" + value + "': " + e.getMessage(), e);
        }
        policy = policy(a);
        spec = new ClusterSpec(
                spec.kind(),
                spec.name(),
                spec.id(),
                spec.provider(),
                spec.workDir(),
                spec.options(),
                spec.nthreads(),
                spec.memoryLimit(),
                spec.deathTimeout(),
                a,
                spec.bootDelaySeconds(),
                spec.billingMinimumSeconds());
        LOG.info(
                "controller: adaptive scaling between {} and {} workers, goal {}, target {} s",
                a.min(),
                a.max(),
                a.goal(),
                a.targetDurationSeconds());
        return "adaptive scaling between " + a.min() + " and " + a.max() + " workers, goal " + a.goal() + " (target "
                + a.targetDurationSeconds() + " s of work per worker)";
    }

    /**
     * Removes every machine and shared resource of the cluster. The provider decides how the machine
     * this process runs on goes away (last, since it ends this process).
     */
    @Override
    public void onIdleShutdown(String reason) {
        close();
        LOG.info("controller: cluster {} {}; removing it", spec.name(), reason);
        try {
            provider.teardownFromScheduler(cluster);
        } catch (RuntimeException e) {
            LOG.error("controller: removing cluster {} failed; 'jcloud cluster gc' finds what is left", spec.name(), e);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
