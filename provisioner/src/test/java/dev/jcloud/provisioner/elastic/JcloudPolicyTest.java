package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JcloudPolicyTest {

    private static JcloudPolicy policy(int min, int max) {
        return new JcloudPolicy(min, max, 5, 60, BillingModel.PER_SECOND_60S_MINIMUM);
    }

    @Test
    void neverRetiresInsideThePaidMinimum() {
        JcloudPolicy p = policy(0, 10);
        // idle since second 5, at 59 s of age: its minute is paid, keeping it is free
        assertThat(p.decide(Snapshots.at(59).idle(0, 0, 5).build()).retire()).isEmpty();
    }

    @Test
    void retiresAfterTheMinimumOnceIdleLongerThanTheKeepTime() {
        JcloudPolicy p = policy(0, 10);
        assertThat(p.keepIdleSeconds()).isEqualTo(120); // no gaps seen: boot + minimum
        assertThat(p.decide(Snapshots.at(100).idle(0, 0, 0).build()).retire()).isEmpty();
        assertThat(p.decide(Snapshots.at(120).idle(0, 0, 0).build()).retire()).containsExactly(0);
    }

    @Test
    void surplusWorkersThePlatformHasNotStartedGoFirstAndAtOnceNewestFirst() {
        JcloudPolicy p = policy(1, 10);
        // No work: one worker must stay (min 1). Two are queued at the platform, one runs idle inside its minimum.
        ScalingDecision d = p.decide(
                Snapshots.at(30).idle(0, 0, 20).waiting(1, 10).waiting(2, 20).build());
        assertThat(d.retire()).containsExactly(2, 1);
        // Above the floor only: with the running worker busy and queued work, nothing waiting goes.
        assertThat(p.decide(Snapshots.at(31)
                                .load(5, 1, 1)
                                .busy(0, 0)
                                .waiting(1, 10)
                                .build())
                        .retire())
                .isEmpty();
    }

    @Test
    void keepTimeLearnsFromGaps() {
        JcloudPolicy p = policy(0, 10);
        double t = 0;
        for (int i = 0; i < 5; i++) { // busy 10 s, then a 300 s gap, five times: long gaps → retire at once
            p.decide(Snapshots.at(t).load(0, 1, 1).busy(0, 0).build());
            p.decide(Snapshots.at(t + 10).build());
            t += 310;
        }
        p.decide(Snapshots.at(t).load(0, 1, 1).busy(0, 0).build());
        assertThat(p.keepIdleSeconds()).isZero();

        JcloudPolicy q = policy(0, 10);
        t = 0;
        for (int i = 0; i < 5; i++) { // 40 s gaps: keeping through them is cheaper than relaunching
            q.decide(Snapshots.at(t).load(0, 1, 1).busy(0, 0).build());
            q.decide(Snapshots.at(t + 10).build());
            t += 50;
        }
        q.decide(Snapshots.at(t).load(0, 1, 1).busy(0, 0).build());
        assertThat(q.keepIdleSeconds()).isEqualTo(40);
    }

    @Test
    void busyWorkersAndQueuedWorkAreNeverRetired() {
        JcloudPolicy p = policy(0, 10);
        assertThat(p.decide(Snapshots.at(1000).load(0, 1, 1).busy(0, 0).build()).retire())
                .isEmpty();
        assertThat(p.decide(Snapshots.at(1000)
                                .threads(2)
                                .load(1, 2, 1)
                                .busy(0, 0)
                                .idle(1, 0, 0)
                                .build())
                        .retire())
                .isEmpty();
    }

    @Test
    void noLaunchWhenTheWorkersThereFinishBeforeANewOneBoots() {
        // 20 s of work on 1 thread: done long before a 60 s boot
        assertThat(policy(0, 10)
                        .decide(Snapshots.at(0).load(19, 1, 1).busy(0, 0).build())
                        .launch())
                .isZero();
    }

    @Test
    void sizesLaunchesForTheWorkLeftAtArrival() {
        // 2,400 s of work, 1 thread does 60 of it before a new worker is up: 2,340 s / 120 s horizon → 20 threads
        ScalingDecision d =
                policy(0, 50).decide(Snapshots.at(0).load(239, 1, 10).busy(0, 0).build());
        assertThat(d.launch()).isEqualTo(19);
    }

    @Test
    void hardMinAndMax() {
        assertThat(policy(0, 5)
                        .decide(Snapshots.at(0).load(10000, 0, 10).build())
                        .launch())
                .isEqualTo(5);
        assertThat(policy(3, 5).decide(Snapshots.at(0).build()).launch()).isEqualTo(3);
        assertThat(policy(1, 5)
                        .decide(Snapshots.at(10000).idle(0, 0, 0).build())
                        .retire())
                .isEmpty();
    }
}
