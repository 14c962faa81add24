package dev.jcloud.provisioner.elastic;

import java.util.List;

/**
 * What a policy wants done now.
 *
 * @param launch workers to start (≥ 0)
 * @param retire ids of workers to retire gracefully (their results move first), or to give up
 *               at once when the platform has not started them ({@link WorkerView#waiting})
 */
public record ScalingDecision(int launch, List<Integer> retire) {

    /** Nothing to do. */
    public static final ScalingDecision NONE = new ScalingDecision(0, List.of());

    public ScalingDecision {
        if (launch < 0) {
            throw new IllegalArgumentException("launch must be ≥ 0 (was " + launch + ")");
        }
        retire = List.copyOf(retire);
    }
}
