package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CostFloorTest {

    private static final BillingModel EC2 = BillingModel.PER_SECOND_60S_MINIMUM;
    private static final ClusterSimulator.Settings CLOUD = new ClusterSimulator.Settings(2, 60, EC2, 0.096, 50);
    private static final ClusterSimulator SIM = new ClusterSimulator(CLOUD);

    /**
     * On longtail (1,500 tasks in the first minute) waiting no longer than Dask's port needs 34
     * workers up from the first possible moment, so any such policy pays at least 34 boots plus
     * the work: 79 % of Dask's bill. No policy is 25 % cheaper and no slower there.
     */
    @Test
    void noPolicyWaitsNoLongerThanDaskOnLongtailForAQuarterLess() {
        Trace t = Traces.builtIn("longtail");
        SimulationResult dask = SIM.run(t, new DaskAdaptivePolicy(0, 50));
        CostFloor.Bound floor = CostFloor.of(CLOUD, t, dask.meanLatencySeconds());
        System.out.printf(
                "longtail: Dask's port %,d worker-s, mean latency %.2f s; waiting no longer needs %d workers"
                        + " (%.2f s with them from the start); floor %,.0f worker-s = %.1f %% of Dask's%n",
                dask.billedWorkerSeconds(),
                dask.meanLatencySeconds(),
                floor.fewestWorkers(),
                floor.latencyWithFewest(),
                floor.billedWorkerSeconds(),
                100 * floor.billedWorkerSeconds() / dask.billedWorkerSeconds());
        assertThat(floor.fewestWorkers()).isEqualTo(34);
        assertThat(SIM.run(t, new FixedPolicy(33)).meanLatencySeconds()).isGreaterThan(dask.meanLatencySeconds());
        // The most workers that 75 % of Dask's bill could pay for, up from the first moment: far slower.
        int affordable = (int) ((0.75 * dask.billedWorkerSeconds() - t.totalWorkSeconds() / 2) / 60);
        assertThat(affordable).isEqualTo(28);
        assertThat(SIM.run(t, new FixedPolicy(affordable)).meanLatencySeconds())
                .isGreaterThan(1.1 * dask.meanLatencySeconds());
        assertThat(floor.billedWorkerSeconds()).isGreaterThan(0.75 * dask.billedWorkerSeconds());
        assertThat(floor.dollars()).isGreaterThan(0.75 * dask.dollars());
    }

    /** The bound holds for the policies that meet the ceiling: none pays less than the floor. */
    @Test
    void everyPolicyThatWaitsNoLongerPaysAtLeastTheFloor() {
        for (String name : Traces.NAMES) {
            Trace t = Traces.builtIn(name);
            SimulationResult dask = SIM.run(t, new DaskAdaptivePolicy(0, 50));
            CostFloor.Bound floor = CostFloor.of(CLOUD, t, dask.meanLatencySeconds());
            assertThat(floor.feasible()).as(name).isTrue();
            for (AdaptGoal g : AdaptGoal.values()) {
                SimulationResult r = SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2, g));
                if (r.meanLatencySeconds() <= dask.meanLatencySeconds()) {
                    assertThat((double) r.billedWorkerSeconds())
                            .as(name + " " + g)
                            .isGreaterThanOrEqualTo(floor.billedWorkerSeconds());
                }
            }
            assertThat((double) dask.billedWorkerSeconds())
                    .as(name)
                    .isGreaterThanOrEqualTo(floor.billedWorkerSeconds());
        }
    }

    /**
     * The argument's step 2, tried: policies that start and retire workers at random never wait
     * less than the fixed cluster of as many workers as they started (at most the maximum), up
     * from the first possible moment.
     */
    @Test
    void noPolicyWaitsLessThanAFixedClusterOfTheWorkersItStarted() {
        Trace t = Traces.builtIn("longtail");
        Random random = new Random(7);
        for (int run = 0; run < 12; run++) {
            SimulationResult r = SIM.run(t, new RandomPolicy(new Random(random.nextLong()), 1 + random.nextInt(50)));
            int k = Math.min(CLOUD.maxWorkers(), r.workersLaunched());
            double bound = SIM.run(t, new FixedPolicy(k)).meanLatencySeconds();
            assertThat(r.meanLatencySeconds()).as("run " + run).isGreaterThanOrEqualTo(bound - 1e-9);
            double work = t.totalWorkSeconds() / CLOUD.threadsPerWorker();
            assertThat((double) r.billedWorkerSeconds())
                    .isGreaterThanOrEqualTo(60.0 * r.workersLaunched() + work - 1e-6);
        }
    }

    /**
     * Nightly is not out of reach for a policy that knows the future: one that starts, a boot
     * delay before each stage arrives, workers for its work over 90 s and retires them when idle
     * is far cheaper than Dask's port and faster. What an online controller lacks there is the
     * moment of the next stage (240–360 s after the last, or a new night) and its size.
     */
    @Test
    void onNightlyAPolicyThatKnowsEachStageInAdvanceDominatesDask() {
        Trace t = Traces.builtIn("nightly");
        SimulationResult dask = SIM.run(t, new DaskAdaptivePolicy(0, 50));
        SimulationResult foresight = SIM.run(t, new ForesightPolicy(t, 90));
        System.out.printf(
                "nightly: Dask's port %,d worker-s, %.1f s mean latency, makespan %.1f s; with foresight %,d"
                        + " worker-s (%+.0f %%), %.1f s (%+.0f %%), makespan %+.1f s%n",
                dask.billedWorkerSeconds(),
                dask.meanLatencySeconds(),
                dask.makespanSeconds(),
                foresight.billedWorkerSeconds(),
                100.0 * foresight.billedWorkerSeconds() / dask.billedWorkerSeconds() - 100,
                foresight.meanLatencySeconds(),
                100 * foresight.meanLatencySeconds() / dask.meanLatencySeconds() - 100,
                foresight.makespanSeconds() - dask.makespanSeconds());
        assertThat(foresight.dollars()).isLessThanOrEqualTo(0.75 * dask.dollars());
        assertThat(foresight.meanLatencySeconds()).isLessThanOrEqualTo(dask.meanLatencySeconds());
        assertThat(foresight.makespanSeconds()).isLessThanOrEqualTo(dask.makespanSeconds());
    }

    @Test
    void aCeilingUnderTheFastestPossibleIsReportedAsOutOfReach() {
        Trace t = new Trace("one", List.of(new Trace.Task(0, 10, "a")));
        CostFloor.Bound floor = CostFloor.of(CLOUD, t, 30); // a worker is up after 60 s at best
        assertThat(floor.feasible()).isFalse();
        assertThat(floor.billedWorkerSeconds()).isInfinite();
        // 60 s boot + 10 thread-seconds of work over 2 threads: a floor, below the 70 s paid.
        assertThat(CostFloor.of(CLOUD, t, 70).billedWorkerSeconds()).isEqualTo(65);
        assertThatThrownBy(() ->
                        CostFloor.of(new ClusterSimulator.Settings(2, 60, EC2, 0.096, 50, List.of(50.0, 70.0)), t, 70))
                .hasMessageContaining("constant boot delay");
    }

    /**
     * Not a controller (it reads the trace ahead): a boot delay before each burst (tasks after a
     * 10 s lull) starts workers for its work over {@code drainSeconds}; retires idle workers.
     */
    private static final class ForesightPolicy implements ScalingPolicy {
        private final List<double[]> bursts = new ArrayList<>(); // {arrival, thread-seconds}
        private final double drainSeconds;
        private int next;

        ForesightPolicy(Trace trace, double drainSeconds) {
            this.drainSeconds = drainSeconds;
            double previous = Double.NEGATIVE_INFINITY;
            for (Trace.Task task : trace.tasks()) {
                if (task.arrivalSeconds() - previous > 10) {
                    bursts.add(new double[] {task.arrivalSeconds(), 0});
                }
                bursts.get(bursts.size() - 1)[1] += task.durationSeconds();
                previous = task.arrivalSeconds();
            }
        }

        @Override
        public String name() {
            return "foresight";
        }

        @Override
        public int minWorkers() {
            return 0;
        }

        @Override
        public ScalingDecision decide(ClusterSnapshot s) {
            int launch = 0;
            while (next < bursts.size() && bursts.get(next)[0] - CLOUD.bootDelaySeconds() <= s.now()) {
                launch += (int) Math.min(
                        CLOUD.maxWorkers(), Math.ceil(bursts.get(next)[1] / (CLOUD.threadsPerWorker() * drainSeconds)));
                next++;
            }
            List<Integer> retire = new ArrayList<>();
            boolean arrived = next == 0 || s.now() >= bursts.get(next - 1)[0] + 3; // a burst comes within 2 s
            if (s.queuedTasks() == 0 && arrived) {
                for (WorkerView w : s.readyWorkers()) {
                    if (w.idle() && w.age(s.now()) >= EC2.minimumSeconds()) {
                        retire.add(w.id());
                    }
                }
            }
            return new ScalingDecision(launch, retire);
        }
    }

    /** Starts up to a budget of workers at random moments and retires random ready ones. */
    private static final class RandomPolicy implements ScalingPolicy {
        private final Random random;
        private int budget;

        RandomPolicy(Random random, int budget) {
            this.random = random;
            this.budget = budget;
        }

        @Override
        public String name() {
            return "random";
        }

        @Override
        public int minWorkers() {
            return 0;
        }

        @Override
        public ScalingDecision decide(ClusterSnapshot s) {
            int launch = 0;
            if (budget > 0 && random.nextInt(20) == 0) {
                launch = Math.min(budget, 1 + random.nextInt(10));
                budget -= launch;
            }
            List<Integer> retire = new ArrayList<>();
            for (WorkerView w : s.readyWorkers()) {
                boolean done = s.queuedTasks() + s.runningTasks() == 0;
                if (done || random.nextInt(400) == 0) {
                    retire.add(w.id());
                }
            }
            if (budget == 0 && s.workers().isEmpty() && s.queuedTasks() > 0) {
                budget = 1; // never strand the work: one more worker finishes it
            }
            return new ScalingDecision(launch, retire);
        }
    }
}
