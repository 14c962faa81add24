package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdaptiveTargetTest {

    @Test
    void occupancyOverTargetDurationDividedByThreads() {
        // 40 tasks × 2 s = 80 s of work / 5 s = 16 threads = 4 workers of 4 threads
        ClusterSnapshot s =
                Snapshots.at(0).threads(4).load(30, 10, 2).busy(0, 0).build();
        assertThat(AdaptiveTarget.cpuThreads(s, 5)).isEqualTo(16);
        assertThat(AdaptiveTarget.cpuWorkers(s, 5)).isEqualTo(4);
    }

    @Test
    void cappedByRunnableTasks() {
        // 3 tasks of 100 s ask for 60 threads by occupancy but only 3 can run
        ClusterSnapshot s = Snapshots.at(0).load(3, 0, 100).build();
        assertThat(AdaptiveTarget.cpuWorkers(s, 5)).isEqualTo(3);
    }

    @Test
    void unknownDurationIsHalfASecondAndQueuedWorkWithNoWorkersAsksForOne() {
        ClusterSnapshot s = Snapshots.at(0).load(2, 0, Double.NaN).build();
        assertThat(s.occupancySeconds()).isEqualTo(1.0);
        assertThat(AdaptiveTarget.cpuWorkers(s, 5)).isEqualTo(1);
    }

    @Test
    void memoryPressureDoublesWorkers() {
        List<WorkerView> w =
                List.of(new WorkerView(0, 0, true, 0, 0, 70, 100), new WorkerView(1, 0, true, 0, 0, 0, 100));
        ClusterSnapshot low = new ClusterSnapshot(0, 1, List.of(), w, 0);
        assertThat(AdaptiveTarget.memoryWorkers(low)).isZero();
        List<WorkerView> full =
                List.of(new WorkerView(0, 0, true, 0, 0, 70, 100), new WorkerView(1, 0, true, 0, 0, 60, 100));
        assertThat(AdaptiveTarget.memoryWorkers(new ClusterSnapshot(0, 1, List.of(), full, 0)))
                .isEqualTo(4);
    }
}
