package dev.jcloud.provisioner.elastic;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The policies no other policy beats on both billed dollars and mean task latency. */
public final class ParetoFront {

    private ParetoFront() {}

    /**
     * Names of the results on the cost/latency front: no other result of the same trace is at
     * most as expensive and at most as slow, and strictly better on one of the two.
     */
    public static Set<String> of(List<SimulationResult> results) {
        Set<String> front = new LinkedHashSet<>();
        for (SimulationResult r : results) {
            boolean dominated = results.stream()
                    .anyMatch(o -> o != r
                            && o.dollars() <= r.dollars()
                            && o.meanLatencySeconds() <= r.meanLatencySeconds()
                            && (o.dollars() < r.dollars() || o.meanLatencySeconds() < r.meanLatencySeconds()));
            if (!dominated) {
                front.add(r.policy());
            }
        }
        return front;
    }
}
