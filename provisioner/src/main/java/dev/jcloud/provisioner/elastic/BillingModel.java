package dev.jcloud.provisioner.elastic;

import java.time.Duration;
import java.util.Locale;

/**
 * How a cloud turns the time a worker existed into billed seconds: per second, with a minimum
 * charge per start (EC2, Fargate and Compute Engine: 60 s; Azure: a setting, since some
 * sources report 5 minutes).
 *
 * <p>Billed seconds are counted as the cloud counts them: a partial second is a whole second,
 * and any start costs at least the minimum — a worker retired 5 s after start costs 60 s.
 *
 * @param minimumSeconds the minimum billed per start, ≥ 0
 */
public record BillingModel(long minimumSeconds) {

    /** EC2, Fargate and Compute Engine: per second, 60 s minimum. */
    public static final BillingModel PER_SECOND_60S_MINIMUM = new BillingModel(60);

    /** Workers on this machine: nothing is billed per start. */
    public static final BillingModel NONE = new BillingModel(0);

    public BillingModel {
        if (minimumSeconds < 0) {
            throw new IllegalArgumentException("billing minimum must be ≥ 0 s (was " + minimumSeconds + ")");
        }
    }

    /**
     * The billing model of a provider.
     *
     * @param provider     local, aws, fargate, gcp or azure
     * @param azureMinimum Azure's minimum per start (the {@code azure.billing-minimum} setting)
     */
    public static BillingModel forProvider(String provider, Duration azureMinimum) {
        return switch (provider.toLowerCase(Locale.ROOT)) {
            case "aws", "ec2", "fargate", "gcp" -> PER_SECOND_60S_MINIMUM;
            case "azure" -> new BillingModel(azureMinimum.toSeconds());
            case "local" -> NONE;
            default ->
                throw new IllegalArgumentException(
                        "unknown provider '" + provider + "': use one of local, aws, fargate, gcp, azure");
        };
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
