package dev.jcloud.provisioner;

import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.controller.ClusterSpec;
import dev.jcloud.provisioner.elastic.AdaptGoal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --cluster-spec} a new cluster's scheduler gets, which starts the in-cluster
 * controller. Adaptive bounds come from the request's options {@value #MIN}, {@value #MAX},
 * {@value #TARGET} and (to play a cloud's billing on this machine) {@value #BILLING_MINIMUM}.
 */
public final class ControllerSpecs {

    public static final String MIN = "adapt.min";
    public static final String MAX = "adapt.max";
    public static final String TARGET = "adapt.target-duration";
    public static final String BILLING_MINIMUM = "adapt.billing-minimum";
    /** cost, balanced or latency: what adaptive scaling favours (default cost). */
    public static final String GOAL = "adapt.goal";

    private ControllerSpecs() {}

    /**
     * The spec for a cluster being created: always for a remote provider (the controller removes
     * an idle cluster's machines), and on this machine only when adaptive scaling is asked for
     * (the local scheduler's workers stop with it anyway).
     */
    static Optional<String> forUp(CloudProvider provider, ClusterContext ctx, ClusterRequest request) {
        ClusterSpec.Adapt adapt = adapt(request.options());
        boolean remote = provider.remote();
        if (adapt == null && !remote) {
            return Optional.empty();
        }
        long billing = request.options().containsKey(BILLING_MINIMUM)
                ? Durations.parse(request.options().get(BILLING_MINIMUM)).toSeconds()
                : provider.billing(request.options()).minimumSeconds();
        double bootDelay = provider.typicalBootTime().toMillis() / 1000.0;
        // A remote scheduler's machine has its own disk; on this machine the controller shares the cluster's directory.
        String workDir = remote ? "" : ctx.workDir().toAbsolutePath().toString();
        return Optional.of(new ClusterSpec(
                        ClusterSpec.KIND,
                        ctx.name(),
                        ctx.id(),
                        provider.name(),
                        workDir,
                        ctx.options(),
                        request.nthreads(),
                        request.memoryLimit() == null
                                ? null
                                : request.memoryLimit().toString(),
                        Durations.format(request.deathTimeout()),
                        adapt,
                        bootDelay,
                        billing)
                .toJson());
    }

    /** The adaptive bounds in {@code options}, or null when none are set; invalid bounds fail with the option's name. */
    public static ClusterSpec.Adapt adapt(Map<String, String> options) {
        if (!options.containsKey(MAX)) {
            if (options.containsKey(MIN)) {
                throw new IllegalArgumentException(MIN + " needs " + MAX + " (the hard maximum of workers)");
            }
            return null;
        }
        int min = integer(options, MIN, 0);
        int max = integer(options, MAX, 0);
        Duration target = Durations.parse(options.getOrDefault(TARGET, "5s"));
        try {
            return new ClusterSpec.Adapt(
                    min,
                    max,
                    target.toMillis() / 1000.0,
                    AdaptGoal.parse(options.getOrDefault(GOAL, "cost"), GOAL).id());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "invalid adaptive bounds " + MIN + "=" + min + ", " + MAX + "=" + max + ": " + e.getMessage(), e);
        }
    }

    private static int integer(Map<String, String> options, String key, int fallback) {
        String v = options.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + key + " '" + v + "': use a whole number", e);
        }
    }
}
