package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdaptGoalTest {

    private static final BillingModel EC2 = BillingModel.PER_SECOND_60S_MINIMUM;
    private static final ClusterSimulator SIM =
            new ClusterSimulator(new ClusterSimulator.Settings(2, 60, EC2, 0.096, 50));

    @Test
    void parsesTheNamesUsersWriteAndNamesTheSettingOtherwise() {
        assertThat(AdaptGoal.parse(" Latency ", "--adapt-goal")).isEqualTo(AdaptGoal.LATENCY);
        assertThatThrownBy(() -> AdaptGoal.parse("fast", "--adapt-goal"))
                .hasMessage("--adapt-goal: use one of cost, balanced, latency (was 'fast')");
    }

    @Test
    void theCostGoalIsTheBillingAwarePolicyOfBefore() {
        Trace t = Traces.builtIn("bursty");
        assertThat(SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2, AdaptGoal.COST)))
                .isEqualTo(SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2)));
    }

    /** Each goal is a point on the cost/latency curve: more money buys less waiting, on every trace. */
    @Test
    void goalsTradeDollarsForWaitingOnEveryBuiltInTrace() {
        for (String name : List.of("bursty", "steady", "nightly", "notebook", "ci")) {
            Trace t = Traces.builtIn(name);
            List<SimulationResult> r = new ArrayList<>();
            for (AdaptGoal g : AdaptGoal.values()) {
                r.add(SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2, g)));
            }
            assertThat(r.get(0).dollars()).as(name).isLessThan(r.get(1).dollars());
            assertThat(r.get(1).dollars()).as(name).isLessThan(r.get(2).dollars());
            assertThat(r.get(0).meanLatencySeconds())
                    .as(name)
                    .isGreaterThan(r.get(1).meanLatencySeconds());
            assertThat(r.get(1).meanLatencySeconds())
                    .as(name)
                    .isGreaterThan(r.get(2).meanLatencySeconds());
        }
    }

    /** The balanced and latency goals wait no longer than Dask's port on any built-in trace. */
    @Test
    void theBalancedAndLatencyGoalsWaitNoLongerThanDask() {
        for (String name : Traces.NAMES) {
            Trace t = Traces.builtIn(name);
            SimulationResult dask = SIM.run(t, new DaskAdaptivePolicy(0, 50));
            for (AdaptGoal g : List.of(AdaptGoal.BALANCED, AdaptGoal.LATENCY)) {
                SimulationResult r = SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2, g));
                assertThat(r.meanLatencySeconds())
                        .as(name + " " + g)
                        .isLessThanOrEqualTo(dask.meanLatencySeconds() + 0.05);
            }
        }
    }

    /**
     * Where the balanced goal dominates Dask's port: ≥ 25 % cheaper, no longer waits, no later end.
     * Not on longtail, where no policy can ({@link CostFloorTest}).
     */
    @Test
    void theBalancedGoalDominatesDaskOnBurstySteadyNightlyNotebookAndCi() {
        for (String name : List.of("bursty", "steady", "nightly", "notebook", "ci")) {
            Trace t = Traces.builtIn(name);
            SimulationResult dask = SIM.run(t, new DaskAdaptivePolicy(0, 50));
            SimulationResult balanced = SIM.run(t, new JcloudPolicy(0, 50, 5, 60, EC2, AdaptGoal.BALANCED));
            assertThat(balanced.dollars()).as(name).isLessThanOrEqualTo(0.75 * dask.dollars());
            assertThat(balanced.meanLatencySeconds()).as(name).isLessThanOrEqualTo(dask.meanLatencySeconds());
            assertThat(balanced.makespanSeconds()).as(name).isLessThanOrEqualTo(dask.makespanSeconds());
        }
    }

    @Test
    void theLatencyGoalKeepsAWarmPoolThroughGapsTheCostGoalRetiresIn() {
        JcloudPolicy cost = new JcloudPolicy(0, 10, 5, 60, EC2, AdaptGoal.COST);
        JcloudPolicy latency = new JcloudPolicy(0, 10, 5, 60, EC2, AdaptGoal.LATENCY);
        double t = 0;
        // 400 thread-seconds of work, then gaps of 150, 150 and 400 s: longer than a relaunch
        // (boot + minimum), and too irregular to start a pool just in time.
        for (double gap : new double[] {150, 150, 400, 150}) {
            for (JcloudPolicy p : List.of(cost, latency)) {
                p.decide(Snapshots.at(t).load(399, 1, 1).busy(0, 0).build());
                p.decide(Snapshots.at(t + 100).build());
            }
            t += 100 + gap;
        }
        // 60 s into the last gap: the cost goal retires at once, the latency goal holds its pool.
        ClusterSnapshot idle = Snapshots.at(t - 90).idle(0, 0, t - 150).build();
        assertThat(latency.warmPool(idle)).isEqualTo(10); // 400 s of work in 20 s: 20 threads, the maximum 10
        assertThat(cost.decide(idle).retire()).containsExactly(0);
        assertThat(latency.decide(idle)).isEqualTo(ScalingDecision.NONE);
    }

    @Test
    void onARegularBeatThePoolIsStartedABootDelayBeforeTheNextBurstIsDue() {
        JcloudPolicy latency = new JcloudPolicy(0, 10, 5, 60, EC2, AdaptGoal.LATENCY);
        double t = 0;
        for (int i = 0; i < 4; i++) { // a burst every 300 s
            latency.decide(Snapshots.at(t).load(399, 1, 1).busy(0, 0).build());
            latency.decide(Snapshots.at(t + 100).build());
            t += 300;
        }
        double lastStart = t - 300;
        assertThat(latency.onABeat()).isTrue();
        assertThat(latency.decide(Snapshots.at(lastStart + 200).build()).launch())
                .isZero(); // due at +300, a boot takes 60 s: too early
        assertThat(latency.decide(Snapshots.at(lastStart + 240).build()).launch())
                .isEqualTo(10);
        assertThat(latency.decide(Snapshots.at(lastStart + 241).build()).launch())
                .isZero(); // once per gap
    }

    /** Bursts of 400 s of work starting at each of {@code starts}, each over within 100 s. */
    private static JcloudPolicy afterBursts(AdaptGoal goal, double... starts) {
        JcloudPolicy p = new JcloudPolicy(0, 10, 5, 60, EC2, goal);
        for (double start : starts) {
            p.decide(Snapshots.at(start).load(399, 1, 1).busy(0, 0).build());
            p.decide(Snapshots.at(start + 100).build());
        }
        return p;
    }

    @Test
    void aTightBeatIsLearnedFromTwoIntervalsWithinAQuarterOfTheirMedian() {
        // Stages of a pipeline 280 and 320 s apart: a tight beat already.
        assertThat(afterBursts(AdaptGoal.BALANCED, 0, 280, 600).onATightBeat()).isTrue();
        // Interactive bursts 120 to 260 s apart: a beat (the middle half within a relaunch), not a tight one.
        JcloudPolicy bursty = afterBursts(AdaptGoal.BALANCED, 0, 240, 360, 620, 820);
        assertThat(bursty.onABeat()).isTrue();
        assertThat(bursty.onATightBeat()).isFalse();
        // Only the balanced goal follows one.
        assertThat(afterBursts(AdaptGoal.LATENCY, 0, 280, 600).onATightBeat()).isFalse();
    }

    /**
     * On a tight beat the balanced goal starts its pool a boot delay before the median interval, not
     * before the earliest likely one: a pool up a few seconds late costs little waiting, one up early
     * costs its idle time on every stage.
     */
    @Test
    void onATightBeatTheBalancedPoolIsStartedABootDelayBeforeTheMedianInterval() {
        JcloudPolicy balanced = afterBursts(AdaptGoal.BALANCED, 0, 280, 580, 900); // intervals 280, 300, 320
        assertThat(balanced.onATightBeat()).isTrue();
        assertThat(balanced.decide(Snapshots.at(900 + 220).build()).launch())
                .isZero(); // a boot before the earliest interval: too early on a tight beat
        assertThat(balanced.decide(Snapshots.at(900 + 240).build()).launch())
                .isEqualTo(4); // 400 s of work drained in 120 s on 1 thread each
        assertThat(balanced.decide(Snapshots.at(900 + 241).build()).launch()).isZero();
    }

    /**
     * Runs of bursts on a tight beat (a pipeline's stages each night): once this run has as many
     * bursts as the longest run before it, no pool is started for one more.
     */
    @Test
    void onATightBeatNoPoolIsStartedAfterTheLastBurstOfARunAsLongAsThoseSeen() {
        JcloudPolicy firstRun = afterBursts(AdaptGoal.BALANCED, 0, 300, 600);
        assertThat(firstRun.runOver()).isFalse(); // no run seen to end yet
        assertThat(firstRun.decide(Snapshots.at(840).build()).launch()).isEqualTo(4);
        JcloudPolicy secondRun = afterBursts(AdaptGoal.BALANCED, 0, 300, 600, 5000, 5300);
        assertThat(secondRun.decide(Snapshots.at(5540).build()).launch()).isEqualTo(4);
        JcloudPolicy lastStage = afterBursts(AdaptGoal.BALANCED, 0, 300, 600, 5000, 5300, 5600);
        assertThat(lastStage.runOver()).isTrue();
        assertThat(lastStage.decide(Snapshots.at(5840).build()).launch()).isZero();
    }

    /**
     * On a tight beat a burst the pool cannot finish by the time a cold start sized like Dask's would
     * gets extra workers, but only those that would work at least their billing minimum before then.
     */
    @Test
    void onATightBeatABurstEndsNoLaterThanADaskSizedColdStartWould() {
        JcloudPolicy balanced = new JcloudPolicy(0, 50, 5, 60, EC2, AdaptGoal.BALANCED);
        for (double start : new double[] {0, 280, 580}) {
            balanced.decide(
                    Snapshots.at(start).threads(2).load(99, 1, 15).busy(0, 0).build());
            balanced.decide(Snapshots.at(start + 100).threads(2).build());
        }
        Snapshots pool = Snapshots.at(880).threads(2);
        for (int id = 0; id < 4; id++) {
            pool.idle(id, 820, 820);
        }
        // 400 tasks of 15 s: Dask would start 50 workers, up at +60, ending at +60 + 6,000 / 100 = +120.
        // The pool's 8 threads do 960 thread-seconds by then; a worker started now works 60 s of it.
        ClusterSnapshot burst = pool.load(400, 0, 15).build();
        assertThat(balanced.onATightBeat()).isTrue();
        assertThat(balanced.decide(burst).launch()).isEqualTo(42); // (6,000 - 960) / 120 = 42
        // Ten seconds later no new worker would work its minute before that end: none is added.
        JcloudPolicy late = new JcloudPolicy(0, 50, 5, 60, EC2, AdaptGoal.BALANCED);
        for (double start : new double[] {0, 280, 580}) {
            late.decide(
                    Snapshots.at(start).threads(2).load(99, 1, 15).busy(0, 0).build());
            late.decide(Snapshots.at(start + 100).threads(2).build());
        }
        late.decide(burst);
        assertThat(late.noLaterThanColdStart(Snapshots.at(890).threads(2).build(), 6_000 - 80))
                .isZero();
        // Unless it is the last burst of a run as long as the longest seen: its end is what the run's
        // owner waits for, and it gets every worker that helps.
        JcloudPolicy lastOfRun = new JcloudPolicy(0, 50, 5, 60, EC2, AdaptGoal.BALANCED);
        for (double start : new double[] {0, 280, 580, 5000, 5280}) {
            lastOfRun.decide(
                    Snapshots.at(start).threads(2).load(99, 1, 15).busy(0, 0).build());
            lastOfRun.decide(Snapshots.at(start + 100).threads(2).build());
        }
        lastOfRun.decide(Snapshots.at(5580).threads(2).load(400, 0, 15).build());
        assertThat(lastOfRun.runOver()).isTrue();
        assertThat(lastOfRun.noLaterThanColdStart(Snapshots.at(5590).threads(2).build(), 6_000 - 80))
                .isEqualTo(60); // 5,920 thread-seconds, 100 s of each new worker's 2 threads before the end
    }

    @Test
    void aLearnedBootDelayReplacesTheAssumedOne() {
        JcloudPolicy p = new JcloudPolicy(0, 10, 5, 60, EC2, AdaptGoal.BALANCED);
        p.bootObserved(95);
        assertThat(p.bootDelaySeconds()).isEqualTo(95);
        p.bootObserved(Double.NaN);
        assertThat(p.bootDelaySeconds()).isEqualTo(95);
    }
}
