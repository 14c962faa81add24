package dev.jcloud.provisioner.elastic;

import java.time.Duration;

/**
 * How a platform turns the time a worker existed into billed seconds: per second, with a
 * minimum charge per start (most clouds: 60 s; some a setting of their provider). Each provider
 * says which applies ({@code CloudProvider.billing}).
 *
 * <p>Billed seconds are counted as the cloud counts them: a partial second is a whole second,
 * and any start costs at least the minimum — a worker retired 5 s after start costs 60 s.
 *
 * @param minimumSeconds the minimum billed per start, ≥ 0
 */
public record BillingModel(long minimumSeconds) {

    /** Per second with a 60 s minimum per start, as most clouds bill. */
    public static final BillingModel PER_SECOND_60S_MINIMUM = new BillingModel(60);

    /** Nothing is billed per start (this machine, hosts the user already has). */
    public static final BillingModel NONE = new BillingModel(0);

    public BillingModel {
        if (minimumSeconds < 0) {
            throw new IllegalArgumentException("billing minimum must be ≥ 0 s (was " + minimumSeconds + ")");
        }
    }

    /** The minimum as a duration. */
    public Duration minimum() {
        return Duration.ofSeconds(minimumSeconds);
    }

    /**
     * Billed seconds for a worker that existed {@code runSeconds} (from start to stop).
     * Partial seconds round up, as the clouds do.
     */
    public long billedSeconds(double runSeconds) {
        if (runSeconds < 0 || Double.isNaN(runSeconds)) {
            throw new IllegalArgumentException("run time must be ≥ 0 s (was " + runSeconds + ")");
        }
        // The tiny epsilon keeps 60.000000000001 (float noise from summing durations) at 60.
        long whole = (long) Math.ceil(runSeconds - 1e-9);
        return Math.max(minimumSeconds, whole);
    }

    /**
     * Seconds of the paid minimum still unused at age {@code ageSeconds}: retiring the worker
     * before that saves nothing.
     */
    public double paidSecondsLeft(double ageSeconds) {
        return Math.max(0, minimumSeconds - ageSeconds);
    }
}
