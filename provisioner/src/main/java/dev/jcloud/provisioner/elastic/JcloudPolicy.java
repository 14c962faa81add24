package dev.jcloud.provisioner.elastic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * jcloud's adaptive policy: Dask's demand estimate, but sized and retired with the boot delay
 * and the billing rules in mind. Why Dask wastes money on clouds that bill per start:
 *
 * <ol>
 *   <li>It asks for enough workers to finish the queue in 5 s, although a new worker arrives
 *       only after the boot delay (about 60 s, billed) and costs at least the minimum (60 s):
 *       a burst of work brings a crowd that each does a few seconds of work for 120 s of pay,
 *       often arriving after the workers already there have drained the queue.</li>
 *   <li>It removes a worker 3 s after it went idle, so the next burst, a minute later, pays a
 *       new boot and a new minimum (and waits for the boot).</li>
 * </ol>
 *
 * <p>So this policy:
 * <ul>
 *   <li><b>scales up for the work left when new workers would arrive</b>: the expected work
 *       (queued + running, plus the recent arrival rate over the boot delay) minus what the
 *       registered and booting workers will do before a new one is up; new workers are sized
 *       to get {@code launchHorizon} seconds of that work each (not 5 s), capped by the
 *       runnable tasks;</li>
 *   <li><b>never retires a worker inside its paid minimum</b>: keeping it is free;</li>
 *   <li><b>keeps an idle worker through gaps that are likely short</b>: after the minimum, an
 *       idle worker stays up to a keep-idle time chosen like a ski rental from the idle gaps
 *       seen so far — keeping costs the gap, retiring and relaunching costs about boot +
 *       minimum; with no history it keeps for that break-even time (at most 2× the optimum);</li>
 *   <li><b>never retires below what the sustained arrival rate needs</b> (at the goal's
 *       utilization): retiring there only relaunches;</li>
 *   <li><b>gives up workers the platform has not started</b> (a batch job in its queue) before
 *       any running one, as soon as they are surplus and nothing is queued;</li>
 *   <li>enforces min and max as hard limits (booting workers count against max).</li>
 * </ul>
 *
 * <p>The {@link AdaptGoal} sets how much waiting is worth: the balanced and latency goals also
 * hold a <b>warm pool</b> sized to drain a burst (a quantile of the recent bursts' work, the
 * goal's) in the goal's drain time, keep it through gaps a relaunch would cost several times over, and
 * when bursts come on a regular beat retire it and <b>start it again a boot delay before the
 * next burst is due</b>; from a cold start they size new workers for the target duration as
 * Dask does. On a <b>tight beat</b> (a pipeline's stages, the middle half of the intervals within
 * a quarter of their median: {@link #onATightBeat}) the balanced goal meets each burst with the
 * pool, started a boot delay before the median interval, sizes workers started besides it like
 * the cost goal's (a boot delay and a billing minimum of work each) and adds only the workers that
 * keep the burst from ending later than a cold start sized like Dask's would
 * ({@link #noLaterThanColdStart}). The boot delay is the controller's measurement once it has one
 * ({@link #bootObserved}).
 */
public final class JcloudPolicy implements ScalingPolicy {

    /** How far back the arrival rate is measured: long enough that one burst is not a trend. */
    private static final double RATE_WINDOW_SECONDS = 300;

    private static final double RATE_BUCKET_SECONDS = 60;
    private static final int GAP_HISTORY = 64;

    private final int minimum;
    private final int maximum;
    private final double targetDurationSeconds;
    private double bootDelaySeconds;
    private final BillingModel billing;
    private final double launchHorizonSeconds;
    private final AdaptGoal goal;

    private final Deque<double[]> submissions = new ArrayDeque<>();
    private final Deque<Double> gaps = new ArrayDeque<>();
    /** Seconds between the starts of successive bursts of work (a burst: work after a no-work gap). */
    private final Deque<Double> intervals = new ArrayDeque<>();
    /** Thread-seconds of work each recent burst brought at its peak. */
    private final Deque<Double> burstWork = new ArrayDeque<>();

    private double clusterIdleSince = Double.NaN;
    private double burstStartedAt = Double.NaN;
    private double burstPeak;
    private int burstPeakTasks;
    private boolean prewarmed;
    /** Bursts since the last gap far off the beat (a pipeline's stages so far in this run). */
    private int burstsInRun;
    /** How many bursts each past run had (a run: bursts on the beat, between gaps far off it). */
    private final Deque<Double> runLengths = new ArrayDeque<>();

    /**
     * @param bootDelaySeconds expected seconds from launch until a worker registers
     * @param billing          the provider's billing rules
     */
    public JcloudPolicy(
            int minimum, int maximum, double targetDurationSeconds, double bootDelaySeconds, BillingModel billing) {
        this(minimum, maximum, targetDurationSeconds, bootDelaySeconds, billing, AdaptGoal.COST);
    }

    /**
     * @param bootDelaySeconds expected seconds from launch until a worker registers (the
     *                         controller replaces it with what it measures: {@link #bootObserved})
     * @param billing          the provider's billing rules
     * @param goal             what to favour when cost and waiting pull apart
     */
    public JcloudPolicy(
            int minimum,
            int maximum,
            double targetDurationSeconds,
            double bootDelaySeconds,
            BillingModel billing,
            AdaptGoal goal) {
        this(
                minimum,
                maximum,
                targetDurationSeconds,
                bootDelaySeconds,
                billing,
                Double.isNaN(goal.launchHorizonSeconds)
                        ? Math.max(targetDurationSeconds, bootDelaySeconds + billing.minimumSeconds())
                        : goal.launchHorizonSeconds,
                goal);
    }

    /**
     * @param launchHorizonSeconds seconds of work each new worker should find when it arrives;
     *                             by default boot delay + billing minimum: what a start costs at
     *                             least, so the overhead of a start stays under half its bill
     */
    public JcloudPolicy(
            int minimum,
            int maximum,
            double targetDurationSeconds,
            double bootDelaySeconds,
            BillingModel billing,
            double launchHorizonSeconds) {
        this(minimum, maximum, targetDurationSeconds, bootDelaySeconds, billing, launchHorizonSeconds, AdaptGoal.COST);
    }

    private JcloudPolicy(
            int minimum,
            int maximum,
            double targetDurationSeconds,
            double bootDelaySeconds,
            BillingModel billing,
            double launchHorizonSeconds,
            AdaptGoal goal) {
        if (minimum < 0 || maximum < minimum || maximum < 1) {
            throw new IllegalArgumentException("need 0 ≤ min ≤ max and max ≥ 1 (was " + minimum + ":" + maximum + ")");
        }
        this.minimum = minimum;
        this.maximum = maximum;
        this.targetDurationSeconds = targetDurationSeconds;
        this.bootDelaySeconds = bootDelaySeconds;
        this.billing = billing;
        this.launchHorizonSeconds = launchHorizonSeconds;
        this.goal = goal;
    }

    @Override
    public String name() {
        return "jcloud-" + goal.id();
    }

    /** The goal this policy follows. */
    public AdaptGoal goal() {
        return goal;
    }

    /** The boot delay the policy plans with now. */
    public double bootDelaySeconds() {
        return bootDelaySeconds;
    }

    /**
     * Plans with {@code seconds} as the boot delay from now on: what the controller measured from
     * the workers it started, rather than the provider's assumed figure.
     */
    public void bootObserved(double seconds) {
        if (seconds >= 0 && !Double.isInfinite(seconds)) {
            bootDelaySeconds = seconds;
        }
    }

    @Override
    public int minWorkers() {
        return minimum;
    }

    @Override
    public ScalingDecision decide(ClusterSnapshot s) {
        observe(s);
        int plan = s.workers().size();
        int workersWanted = workersWanted(s);
        int wanted = Math.max(0, Math.max(workersWanted, prewarmWanted(s)) - plan);
        int launch = Math.min(Math.max(0, maximum - plan), Math.max(wanted, minimum - plan));
        List<Integer> retire = launch > 0 ? List.of() : retirements(s, workersWanted);
        return launch == 0 && retire.isEmpty() ? ScalingDecision.NONE : new ScalingDecision(launch, retire);
    }

    /** Records the arrival rate and the lengths of the gaps in which the cluster had no work. */
    private void observe(ClusterSnapshot s) {
        submissions.addLast(new double[] {s.now(), s.submittedTasks()});
        while (submissions.size() > 1 && s.now() - submissions.peekFirst()[0] > RATE_WINDOW_SECONDS + 1e-9) {
            submissions.removeFirst();
        }
        boolean noWork = s.queuedTasks() + s.runningTasks() == 0;
        if (noWork && Double.isNaN(clusterIdleSince)) {
            clusterIdleSince = s.now();
            if (!Double.isNaN(burstStartedAt)) {
                remember(burstWork, burstPeak);
            }
        } else if (!noWork && (!Double.isNaN(clusterIdleSince) || Double.isNaN(burstStartedAt))) {
            if (!Double.isNaN(clusterIdleSince)) {
                remember(gaps, s.now() - clusterIdleSince);
            }
            if (!Double.isNaN(burstStartedAt)) {
                double interval = s.now() - burstStartedAt;
                if (!intervals.isEmpty() && interval > 2 * quantile(intervals, 0.5)) {
                    remember(runLengths, burstsInRun);
                    burstsInRun = 0;
                }
                remember(intervals, interval);
            }
            burstsInRun++;
            burstStartedAt = s.now();
            burstPeak = 0;
            burstPeakTasks = 0;
            prewarmed = false;
            clusterIdleSince = Double.NaN;
        }
        if (!noWork) {
            burstPeak = Math.max(burstPeak, occupancy(s));
            burstPeakTasks = Math.max(burstPeakTasks, s.queuedTasks() + s.runningTasks());
        }
    }

    private static void remember(Deque<Double> history, double value) {
        history.addLast(value);
        if (history.size() > GAP_HISTORY) {
            history.removeFirst();
        }
    }

    /** Thread-seconds of queued and running work, unmeasured kinds at {@link #priorDurationSeconds}. */
    static double occupancy(ClusterSnapshot s) {
        double prior = priorDurationSeconds(s);
        double occupancy = 0;
        for (TaskLoad l : s.loads()) {
            double d = Double.isNaN(l.meanDurationSeconds()) ? prior : l.meanDurationSeconds();
            occupancy += (l.queued() + l.running()) * d;
        }
        return occupancy;
    }

    /**
     * Workers to hold warm for the next burst: enough to drain a burst of the goal's quantile of
     * the recent ones (on a tight beat the median one) within the goal's drain time. None for the
     * cost goal, and none before two bursts were seen.
     */
    int warmPool(ClusterSnapshot s) {
        if (Double.isNaN(goal.drainSeconds) || burstWork.size() < 2) {
            return 0;
        }
        // On a tight beat bursts larger than the median get workers besides the pool when they
        // arrive (noLaterThanColdStart): the pool is sized for the median one.
        double typical = quantile(burstWork, onATightBeat() ? 0.5 : goal.poolQuantile);
        int pool = (int) Math.ceil(typical / (s.threadsPerWorker() * goal.drainSeconds) - 1e-9);
        return Math.min(maximum, pool);
    }

    /**
     * While no work is there: the warm pool, once the next burst is due within a boot delay
     * (bursts that came on a regular beat: the goal's quantile of the intervals seen, at least
     * three; on a tight beat the median of at least two, and not once this run of bursts is as
     * long as the longest seen), so that it is up when the work arrives. Started once per gap.
     */
    int prewarmWanted(ClusterSnapshot s) {
        boolean tight = onATightBeat();
        if (goal.prewarmQuantile <= 0
                || !(tight || onABeat())
                || prewarmed
                || Double.isNaN(clusterIdleSince)
                || Double.isNaN(burstStartedAt)) {
            return 0;
        }
        if (tight && runOver()) {
            return 0;
        }
        // On a tight beat the median interval is a good guess: a pool up a little late costs a
        // few seconds of waiting, one up early costs its idle time, and both are short.
        double due = burstStartedAt + quantile(intervals, tight ? 0.5 : goal.prewarmQuantile);
        if (s.now() < due - bootDelaySeconds) {
            return 0;
        }
        prewarmed = true;
        return warmPool(s);
    }

    /**
     * Whether bursts come on a beat: at least three intervals between their starts seen, and the
     * middle half of them within a relaunch (boot + minimum) of each other.
     */
    boolean onABeat() {
        if (intervals.size() < 3) {
            return false;
        }
        double spread = quantile(intervals, 0.75) - quantile(intervals, 0.25);
        return spread <= bootDelaySeconds + billing.minimumSeconds();
    }

    /**
     * Whether bursts come on a tight beat, regular enough to start the pool for the median
     * interval and meet each burst with it (for goals that follow one): at least two intervals
     * between their starts seen, and the middle half of them within a relaunch (boot + minimum)
     * and within a quarter of their median. A pipeline whose stages come every few minutes is on
     * one; bursts of interactive work, whose gaps vary by more than half their median, are not.
     */
    boolean onATightBeat() {
        if (!goal.followsTightBeat || intervals.size() < 2) {
            return false;
        }
        double spread = quantile(intervals, 0.75) - quantile(intervals, 0.25);
        return spread <= bootDelaySeconds + billing.minimumSeconds() && spread <= quantile(intervals, 0.5) / 4;
    }

    /**
     * Whether the bursts of this run are likely all in: it has as many as the longest run seen
     * (a nightly pipeline's stages end where they ended the night before).
     */
    boolean runOver() {
        return !runLengths.isEmpty()
                && burstsInRun
                        >= runLengths.stream()
                                .mapToDouble(Double::doubleValue)
                                .max()
                                .orElse(0);
    }

    /**
     * Whether the pool is held for a burst due on the beat: from the prewarm until the upper
     * quartile of the intervals plus their spread has passed since the last burst began.
     */
    boolean poolHeld(ClusterSnapshot s) {
        if (!prewarmed || !(onABeat() || onATightBeat())) {
            return false;
        }
        double q25 = quantile(intervals, 0.25);
        double q75 = quantile(intervals, 0.75);
        return s.now() < burstStartedAt + q75 + (q75 - q25);
    }

    /** The {@code q} quantile (nearest rank) of {@code values}. */
    static double quantile(Deque<Double> values, double q) {
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    /**
     * The sustained arrival rate, tasks per second, from the rates of the last five minutes,
     * minute by minute (0 until five minutes are seen): the smallest for the cost goal, a higher
     * rank for the others. A stream shows in every minute; a burst shows in one, and must not be
     * mistaken for a stream that will go on arriving.
     */
    double arrivalRate() {
        double[] last = submissions.peekLast();
        double seen = last[0] - submissions.peekFirst()[0];
        int buckets = (int) (RATE_WINDOW_SECONDS / RATE_BUCKET_SECONDS);
        if (goal != AdaptGoal.COST) {
            buckets = Math.min(buckets, (int) Math.floor(seen / RATE_BUCKET_SECONDS + 1e-9));
            if (buckets < 2) {
                return 0;
            }
        } else if (seen < RATE_WINDOW_SECONDS) {
            return 0;
        }
        double[] rates = new double[buckets];
        for (int k = 0; k < buckets; k++) {
            double to = submittedAt(last[0] - k * RATE_BUCKET_SECONDS);
            double from = submittedAt(last[0] - (k + 1) * RATE_BUCKET_SECONDS);
            rates[k] = (to - from) / RATE_BUCKET_SECONDS;
        }
        java.util.Arrays.sort(rates);
        return rates[(int) Math.floor(goal.rateQuantile * (buckets - 1))];
    }

    /** Tasks submitted by time {@code t}: the last sample at or before it. */
    private double submittedAt(double t) {
        double value = submissions.peekFirst()[1];
        for (double[] sample : submissions) {
            if (sample[0] > t + 1e-9) {
                break;
            }
            value = sample[1];
        }
        return value;
    }

    /** Threads the sustained arrival rate keeps busy, over the goal's utilization. */
    double sustainedThreads(ClusterSnapshot s) {
        int runnable = s.queuedTasks() + s.runningTasks();
        double mean = runnable == 0 ? priorDurationSeconds(s) : occupancy(s) / runnable;
        return arrivalRate() * mean / goal.utilization;
    }

    /**
     * Workers the cluster should have so that the work left when new ones are up is done within
     * the horizon: what {@link #decide} starts up to, and what retirement never goes
     * below (retiring a worker that a launch in the next second would replace only pays a boot).
     */
    int workersWanted(ClusterSnapshot s) {
        int threads = s.threadsPerWorker();
        double prior = priorDurationSeconds(s);
        double occupancy = 0;
        int runnable = 0;
        for (TaskLoad l : s.loads()) {
            double d = Double.isNaN(l.meanDurationSeconds()) ? prior : l.meanDurationSeconds();
            occupancy += (l.queued() + l.running()) * d;
            runnable += l.queued() + l.running();
        }
        double mean = runnable == 0 ? prior : occupancy / runnable;
        double inflow = arrivalRate() * mean; // thread-seconds of work arriving per second
        boolean nothingMeasured = s.loads().stream().allMatch(l -> Double.isNaN(l.meanDurationSeconds()));
        double capacityBeforeArrival = s.readyWorkers().size() * threads * bootDelaySeconds;
        for (WorkerView w : s.bootingWorkers()) {
            double upIn = Math.max(0, w.launchedAt() + bootDelaySeconds - s.now());
            capacityBeforeArrival += threads * Math.max(0, bootDelaySeconds - upIn);
        }
        double left = Math.max(0, occupancy + inflow * bootDelaySeconds - capacityBeforeArrival);
        boolean tight = onATightBeat();
        // On a tight beat the pool meets the bursts: a worker started besides it is sized like
        // the cost goal's, for a boot delay and a billing minimum of work.
        double horizon = Math.max(
                targetDurationSeconds, tight ? bootDelaySeconds + billing.minimumSeconds() : launchHorizonSeconds);
        // Workers due within a fifth of a boot (a prewarmed pool) will take the work: not cold.
        boolean arrivingSoon = s.bootingWorkers().stream()
                .anyMatch(w -> w.launchedAt() + bootDelaySeconds - s.now() < bootDelaySeconds / 5);
        double wantedThreads = inflow / goal.utilization + left / horizon;
        if (goal != AdaptGoal.COST && s.readyWorkers().isEmpty() && !arrivingSoon && runnable > 0 && !tight) {
            // A cold cluster: every queued task waits a whole boot anyway, so start what Dask
            // starts, workers for the whole backlog over the target duration. The workers already
            // booting are not subtracted: they arrive with the new ones, and subtracting the
            // second or two they are ahead left the last tasks of a burst waiting for a thread
            // (a later end than Dask's).
            wantedThreads = Math.max(
                    inflow / goal.utilization + left / targetDurationSeconds, occupancy / targetDurationSeconds);
        }
        if (nothingMeasured && goal != AdaptGoal.COST) {
            // No duration measured yet: the 0.5 s guess may be far too small, and the workers on
            // their way cannot be counted on to absorb work of unknown size. Ask, like Dask, for
            // the work over the horizon, ignoring them.
            wantedThreads = Math.max(wantedThreads, occupancy / horizon);
        }
        // Like Dask: a few long tasks must not ask for many cores.
        wantedThreads = Math.min(wantedThreads, runnable + inflow * bootDelaySeconds / mean);
        int wantedWorkers = (int) Math.ceil(wantedThreads / threads - 1e-9);
        if (s.queuedTasks() > 0 && s.workers().isEmpty()) {
            wantedWorkers = Math.max(1, wantedWorkers);
        }
        if (tight && runnable > 0) {
            wantedWorkers = Math.max(wantedWorkers, noLaterThanColdStart(s, occupancy));
        }
        return Math.max(wantedWorkers, AdaptiveTarget.memoryWorkers(s));
    }

    /**
     * Workers enough that the burst under way ends no later than a cold start sized like Dask's
     * would end it: workers for the burst's peak work over the target duration (at most the
     * maximum and the burst's tasks), all up a boot delay after the burst began, draining its work
     * at full speed. The workers there and on their way count for the time they will be up before
     * that end; a new one is asked for only if it would work at least its billing minimum before
     * then, or, in the last burst of a run as long as the longest seen, at least a second (0 when
     * none is needed or none would).
     */
    int noLaterThanColdStart(ClusterSnapshot s, double occupancy) {
        if (Double.isNaN(burstStartedAt)) {
            return 0;
        }
        int threads = s.threadsPerWorker();
        double coldThreads = Math.max(
                threads, Math.min(maximum * threads, Math.min(burstPeakTasks, burstPeak / targetDurationSeconds)));
        double end = burstStartedAt + bootDelaySeconds + burstPeak / coldThreads;
        double capacity = 0;
        for (WorkerView w : s.workers()) {
            double up = w.ready() ? s.now() : Math.max(s.now(), w.launchedAt() + bootDelaySeconds);
            capacity += threads * Math.max(0, end - up);
        }
        double perNew = threads * (end - s.now() - bootDelaySeconds);
        // The last burst of a run is the one whose end the run's owner waits for: it gets every
        // worker that helps. Earlier ones get only workers that earn their minimum.
        double least = runOver() ? 1 : Math.max(1, billing.minimumSeconds());
        if (occupancy <= capacity || perNew < threads * least) {
            return 0;
        }
        return s.workers().size() + (int) Math.ceil((occupancy - capacity) / perNew - 1e-9);
    }

    /**
     * The duration to assume for a kind not measured yet: the mean of the kinds measured so far
     * (a new stage of a pipeline is more like the last stages than like Dask's fixed 0.5 s guess,
     * which makes the first launch for a new kind far too small and a second one arrive late).
     */
    static double priorDurationSeconds(ClusterSnapshot s) {
        return s.loads().stream()
                .mapToDouble(TaskLoad::meanDurationSeconds)
                .filter(d -> !Double.isNaN(d))
                .average()
                .orElse(TaskLoad.UNKNOWN_DURATION_SECONDS);
    }

    /**
     * Workers the platform has not started yet (newest first), then idle workers whose paid
     * minimum is used up and whose idle time passed the keep-idle time, never below
     * {@code workersWanted} (what {@link #workersWanted} says for this snapshot).
     */
    List<Integer> retirements(ClusterSnapshot s, int workersWanted) {
        if (s.queuedTasks() > 0) {
            return List.of();
        }
        double keep = keepIdleSeconds();
        // On a regular beat the pool is started again just before the next burst: keeping it
        // through the gap is then only worth what it saves in bills.
        double poolKeep = goal.keepFactor == 1 || onABeat() || onATightBeat() ? keep : keepIdleSeconds(goal.keepFactor);
        int pool = warmPool(s);
        // A sustained stream needs its capacity all along: retiring below it only relaunches.
        int floor = Math.max(
                Math.max(minimum, (int) Math.ceil(sustainedThreads(s) / s.threadsPerWorker() - 1e-9)), workersWanted);
        List<WorkerView> idle = new ArrayList<>(
                s.readyWorkers().stream().filter(WorkerView::idle).toList());
        idle.sort(Comparator.comparingDouble(WorkerView::idleSince).thenComparingInt(WorkerView::id));
        int remaining = s.workers().size();
        List<Integer> retire = new ArrayList<>();
        // Workers still waiting for the platform to start them go first, the last asked for first:
        // giving one up costs nothing, while a running worker has paid its start and holds results.
        List<WorkerView> waiting = new ArrayList<>(
                s.workers().stream().filter(w -> w.waiting() && !w.ready()).toList());
        waiting.sort(Comparator.comparingDouble(WorkerView::launchedAt)
                .thenComparingInt(WorkerView::id)
                .reversed());
        for (WorkerView w : waiting) {
            if (remaining <= floor) {
                break;
            }
            retire.add(w.id());
            remaining--;
        }
        for (WorkerView w : idle) {
            if (remaining <= floor) {
                break;
            }
            boolean minimumUsed = billing.paidSecondsLeft(w.age(s.now())) <= 0;
            double tau = remaining > pool ? keep : poolHeld(s) ? Double.MAX_VALUE : poolKeep;
            if (minimumUsed && w.idleFor(s.now()) >= tau) {
                retire.add(w.id());
                remaining--;
            }
        }
        return retire;
    }

    /**
     * How long an idle worker is kept after its minimum: the threshold τ that would have cost
     * least over the gaps seen (a gap g costs g if g ≤ τ, else τ + relaunch), where relaunch
     * = boot delay + billing minimum. With no gaps seen yet: the break-even τ = relaunch.
     */
    double keepIdleSeconds() {
        return keepIdleSeconds(1);
    }

    /**
     * The keep-idle time when a relaunch is worth {@code relaunchFactor} times its billed cost:
     * a warm-pool worker saves the next burst a boot delay of waiting as well as the bill.
     */
    double keepIdleSeconds(double relaunchFactor) {
        double relaunch = relaunchFactor * (bootDelaySeconds + billing.minimumSeconds());
        if (gaps.isEmpty()) {
            return relaunch;
        }
        List<Double> candidates = new ArrayList<>();
        candidates.add(0.0);
        for (double g : gaps) {
            if (g <= relaunch) {
                candidates.add(g);
            }
        }
        double best = relaunch;
        double bestCost = Double.MAX_VALUE;
        for (double tau : candidates) {
            double cost = 0;
            for (double g : gaps) {
                cost += g <= tau ? g : tau + relaunch;
            }
            if (cost < bestCost - 1e-9) {
                bestCost = cost;
                best = tau;
            }
        }
        return best;
    }
}
