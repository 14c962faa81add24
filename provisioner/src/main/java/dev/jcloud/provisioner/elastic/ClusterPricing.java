package dev.jcloud.provisioner.elastic;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
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
     * What a provider says about a cluster's machines, for pricing: where they run and of which
     * types (an instance type, or {@code <n>vcpu-<m>gb} on a platform billed by requested
     * resources; see {@link PriceTable#resourceType}).
     *
     * @param provider      the name prices are keyed by (the {@code prices} setting's first part)
     * @param region        e.g. {@code us-east-1}
     * @param schedulerType the scheduler's type
     * @param workerType    each worker's type
     * @param spot          whether workers are on the spot market
     */
    public record Machines(String provider, String region, String schedulerType, String workerType, boolean spot) {}

    /**
     * The pricing of a cluster whose machines are {@code machines}, from the provider's
     * {@code table} with the user's prices (which travel in the cluster's {@code options} under
     * {@link #PRICE_PREFIX}, so that the in-cluster controller meters with them too) on top; empty
     * when the table does not know its machine types (the user can add them with the
     * {@code prices} setting).
     */
    public static Optional<ClusterPricing> of(
            Machines machines, BillingModel billing, PriceTable table, Map<String, String> options) {
        Map<String, Double> overrides = new LinkedHashMap<>();
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
        Optional<PriceTable.Price> s = table.price(machines.provider(), machines.region(), machines.schedulerType());
        Optional<PriceTable.Price> w = table.price(machines.provider(), machines.region(), machines.workerType());
        if (s.isEmpty() || w.isEmpty()) {
            return Optional.empty();
        }
        String what = (machines.schedulerType().equals(machines.workerType())
                        ? machines.workerType()
                        : machines.schedulerType() + " + " + machines.workerType())
                + (machines.spot() ? " (spot workers)" : "")
                + " in "
                + machines.region();
        return Optional.of(new ClusterPricing(
                s.get(),
                w.get(),
                machines.spot(),
                billing,
                table.asOf(),
                s.get().indicative() || w.get().indicative() || machines.spot(),
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
}
