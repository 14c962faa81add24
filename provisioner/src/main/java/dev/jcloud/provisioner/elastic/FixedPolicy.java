package dev.jcloud.provisioner.elastic;

import java.util.List;

/** The baseline without elasticity: N workers started at once and kept until the work is done. */
public final class FixedPolicy implements ScalingPolicy {

    private final int workers;

    public FixedPolicy(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("a fixed cluster needs ≥ 1 worker (was " + workers + ")");
        }
        this.workers = workers;
    }

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public int minWorkers() {
        return workers;
    }

    @Override
    public ScalingDecision decide(ClusterSnapshot snapshot) {
        int missing = workers - snapshot.workers().size();
        return missing > 0 ? new ScalingDecision(missing, List.of()) : ScalingDecision.NONE;
    }
}
