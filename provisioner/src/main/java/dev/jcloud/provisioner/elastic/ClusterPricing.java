package dev.jcloud.provisioner.elastic;

import dev.jcloud.config.Durations;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * What a cluster costs, from its provider options, the {@link PriceTable} and the provider's
 * {@link BillingModel}: the estimate {@code cluster up} prints, and the dollars spent and dollars
 * per hour that {@code cluster status} and the in-cluster controller report. Seconds are billed
 * as the cloud bills them: per second, with the minimum per start.
 *
 * @param scheduler  the scheduler machine's price
 * @param worker     one worker's price
 * @param spot       whether workers are on the spot market
 * @param billing    the provider's billing rules
 * @param pricesAsOf the date of the price figures
 * @param indicative whether a figure is a typical published price rather than a checked one
 * @param describe   the types priced, for the user: e.g. {@code m6i.large in us-east-1}
 */
public record ClusterPricing(
        PriceTable.Price scheduler,
        PriceTable.Price worker,
        boolean spot,
        BillingModel billing,
        String pricesAsOf,
        boolean indicative,
        String describe) {

    /** Cluster option prefix of a user price: {@code price.aws/us-east-1/m6i.large} = USD per hour. */
    public static final String PRICE_PREFIX = "price.";

    /**
     * The pricing of a cluster of {@code provider} with {@code options} (the cluster's provider
     * options), or empty when the table does not know its machine types (the user can add them
     * with the {@code prices} setting).
     */
    public static Optional<ClusterPricing> of(String provider, Map<String, String> options, PriceTable table) {
        // The user's prices travel with the cluster's options, so the in-cluster controller meters with them too.
        Map<String, Double> overrides = new java.util.LinkedHashMap<>();
        options.forEach((k, v) -> {
            if (k.startsWith(PRICE_PREFIX)) {
                try {
                    overrides.put(k.substring(PRICE_PREFIX.length()), Double.parseDouble(v));
                } catch (NumberFormatException e) {
                    // validated by the configuration before it got here
                }
            }
        });
        if (!overrides.isEmpty()) {
            table = table.withOverrides(overrides);
        }
        String region;
        String schedulerType;
        String workerType;
        boolean spot;
        switch (provider) {
            case "local" -> {
                return Optional.empty();
            }
            case "aws" -> {
                region = options.getOrDefault("aws.region", "us-east-1");
                schedulerType = options.getOrDefault("aws.scheduler-type", "m6i.large");
                workerType = options.getOrDefault("aws.worker-type", "m6i.large");
                spot = Boolean.parseBoolean(options.get("aws.spot"));
            }
            case "fargate" -> {
                region = options.getOrDefault("aws.region", "us-east-1");
                schedulerType = PriceTable.fargateType(
                        integer(options, "fargate.scheduler-cpu", 1024),
                        integer(options, "fargate.scheduler-memory", 4096));
                workerType = PriceTable.fargateType(
                        integer(options, "fargate.worker-cpu", 1024), integer(options, "fargate.worker-memory", 4096));
                spot = Boolean.parseBoolean(options.get("fargate.spot"));
            }
            case "gcp" -> {
                String zone = options.getOrDefault("gcp.zone", "us-central1-a");
                region = zone.contains("-") ? zone.substring(0, zone.lastIndexOf('-')) : zone;
                workerType = options.getOrDefault("gcp.machine-type", "e2-standard-4");
                schedulerType = options.getOrDefault("gcp.scheduler-machine-type", workerType);
                spot = Boolean.parseBoolean(options.get("gcp.spot"));
            }
            case "azure" -> {
                region = options.getOrDefault("azure.location", "eastus");
                workerType = options.getOrDefault("azure.vm-size", "Standard_D4s_v5");
                schedulerType = options.getOrDefault("azure.scheduler-vm-size", workerType);
                spot = Boolean.parseBoolean(options.get("azure.spot"));
            }
            default -> {
                return Optional.empty();
            }
        }
        Optional<PriceTable.Price> s = table.price(provider, region, schedulerType);
        Optional<PriceTable.Price> w = table.price(provider, region, workerType);
        if (s.isEmpty() || w.isEmpty()) {
            return Optional.empty();
        }
        BillingModel billing = BillingModel.forProvider(
                provider, Durations.parse(options.getOrDefault("azure.billing-minimum", "60s")));
        String what = (schedulerType.equals(workerType) ? workerType : schedulerType + " + " + workerType)
                + (spot ? " (spot workers)" : "") + " in " + region;
        return Optional.of(new ClusterPricing(
                s.get(),
                w.get(),
                spot,
                billing,
                table.asOf(),
                s.get().indicative() || w.get().indicative() || spot,
                what));
    }

    /** Dollars per hour with {@code workers} workers running. */
    public double dollarsPerHour(int workers) {
        return scheduler.perHour(false) + workers * worker.perHour(spot);
    }

    /**
     * Dollars billed so far: the scheduler for {@code schedulerSeconds}, and each worker for its
     * seconds, each start with the billing minimum.
     */
    public double dollarsSpent(double schedulerSeconds, Collection<Double> workerSeconds) {
        double total = billing.billedSeconds(schedulerSeconds) * scheduler.perHour(false) / 3600;
        for (double s : workerSeconds) {
            total += workerDollars(s);
        }
        return total;
    }

    /** Dollars billed for one worker that has existed {@code seconds}. */
    public double workerDollars(double seconds) {
        return billing.billedSeconds(seconds) * worker.perHour(spot) / 3600;
    }

    /** A short sentence for the user, e.g. {@code about $0.58 per hour (4 x m6i.large in us-east-1, prices of 2025-06-01)}. */
    public String estimate(int workers) {
        return String.format(
                java.util.Locale.ROOT,
                "about $%.2f per hour (%d workers, %s; %s prices of %s)",
                dollarsPerHour(workers),
                workers,
                describe,
                indicative ? "indicative" : "listed",
                pricesAsOf);
    }

    /** The billing minimum, for messages. */
    public Duration minimum() {
        return billing.minimum();
    }

    private static int integer(Map<String, String> options, String key, int fallback) {
        try {
            return Integer.parseInt(
                    options.getOrDefault(key, Integer.toString(fallback)).strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
