package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DaskAdaptivePolicyTest {

    @Test
    void scalesUpToTheTargetMinusThePlan() {
        DaskAdaptivePolicy p = new DaskAdaptivePolicy(0, 10);
        ClusterSnapshot s = Snapshots.at(0).load(100, 0, 1).booting(0, 0).build();
        assertThat(p.decide(s).launch()).isEqualTo(9); // ceil(100/5)=20 capped at max 10, 1 already requested
    }

    @Test
    void idleWorkerRemovedOnlyAfterThreeRecommendationsInARow() {
        DaskAdaptivePolicy p = new DaskAdaptivePolicy(0, 10);
        ClusterSnapshot s =
                Snapshots.at(0).load(0, 1, 1).busy(0, 0).idle(1, 0, 0).build();
        assertThat(p.decide(s).retire()).isEmpty();
        assertThat(p.decide(s).retire()).isEmpty();
        assertThat(p.decide(s).retire()).containsExactly(1);
    }

    @Test
    void aBusyMomentResetsTheCount() {
        DaskAdaptivePolicy p = new DaskAdaptivePolicy(0, 10);
        ClusterSnapshot idle =
                Snapshots.at(0).load(0, 1, 1).busy(0, 0).idle(1, 0, 0).build();
        ClusterSnapshot busy =
                Snapshots.at(2).load(0, 2, 1).busy(0, 0).busy(1, 0).build();
        p.decide(idle);
        p.decide(idle);
        assertThat(p.decide(busy)).isEqualTo(ScalingDecision.NONE);
        assertThat(p.decide(idle).retire()).isEmpty();
        assertThat(p.decide(idle).retire()).isEmpty();
        assertThat(p.decide(idle).retire()).containsExactly(1);
    }

    @Test
    void retiresRightAfterStartIgnoringTheBillingMinimum() {
        // What jcloud fixes: a worker up for 5 s and idle for 3 s goes, and its 60 s are paid anyway.
        DaskAdaptivePolicy p = new DaskAdaptivePolicy(0, 10);
        List<Integer> retired = List.of();
        for (int t = 5; t < 8; t++) {
            retired = p.decide(Snapshots.at(t).idle(0, 0, 5).build()).retire();
        }
        assertThat(retired).containsExactly(0);
    }

    @Test
    void keepsTheMinimum() {
        DaskAdaptivePolicy p = new DaskAdaptivePolicy(1, 10);
        ClusterSnapshot s = Snapshots.at(0).idle(0, 0, 0).build();
        for (int i = 0; i < 5; i++) {
            assertThat(p.decide(s)).isEqualTo(ScalingDecision.NONE);
        }
    }
}
