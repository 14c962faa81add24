package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.elastic.AdaptGoal;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.ClusterSimulator;
import dev.jcloud.provisioner.elastic.DaskAdaptivePolicy;
import dev.jcloud.provisioner.elastic.FixedPolicy;
import dev.jcloud.provisioner.elastic.JcloudPolicy;
import dev.jcloud.provisioner.elastic.ParetoFront;
import dev.jcloud.provisioner.elastic.PriceTable;
import dev.jcloud.provisioner.elastic.ScalingPolicy;
import dev.jcloud.provisioner.elastic.SimulationResult;
import dev.jcloud.provisioner.elastic.Trace;
import dev.jcloud.provisioner.elastic.TraceFile;
import dev.jcloud.provisioner.elastic.Traces;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud simulate}: what a workload would cost under a fixed cluster, Dask's adaptive policy and jcloud's. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Replay a workload through scaling policies on a simulated cloud and report billed worker-seconds,"
                    + " dollars and makespan (deterministic; no cloud needed).",
            "Traces: bursty, steady, longtail, nightly, notebook and ci (built in, fixed seeds), all of them,"
                    + " a CSV file with lines arrival_s,duration_s[,kind] ('#' comments, blank lines and a header"
                    + " line are ignored), or a task stream export whose header names start and stop (Dask's"
                    + " client.get_task_stream(), one row per startstops entry).",
            "Policies: fixed (N workers all along), dask (a port of Dask's adaptive policy), jcloud (boot- and"
                    + " billing-aware, with the goal of --adapt-goal), or all: every goal beside Dask.",
            "Prices come from the provider's bundled table and the 'prices' setting."
        })
final class SimulateCommand implements Callable<Integer> {

    /** The policies to compare. */
    enum PolicyName {
        fixed,
        dask,
        jcloud,
        all
    }

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(
            names = "--trace",
            required = true,
            paramLabel = "FILE|NAME",
            description = "bursty, steady, longtail, nightly, notebook, ci, all, or the path of a trace file.")
    String trace;

    @Option(
            names = "--policy",
            paramLabel = "POLICY",
            defaultValue = "all",
            description = "fixed, dask, jcloud or all (default: ${DEFAULT-VALUE}).")
    PolicyName policy;

    @Option(
            names = "--adapt-goal",
            paramLabel = "GOAL",
            defaultValue = "cost",
            description = "cost, balanced or latency: what the jcloud policy favours (default: ${DEFAULT-VALUE};"
                    + " --policy all shows every goal).")
    String adaptGoal;

    @Option(
            names = "--provider",
            paramLabel = "PROVIDER",
            description = "Whose billing rules, prices and boot time to use: a provider of this build that prices its"
                    + " machines (default: cluster.provider when it does, else the first that does).")
    String providerName;

    @Option(
            names = "--instance-type",
            paramLabel = "TYPE",
            description = "Worker type (default: the provider's worker type setting; resource-priced platforms:"
                    + " e.g. 1vcpu-4gb).")
    String instanceType;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            description = "Region for prices (default: the provider's setting).")
    String region;

    @Option(names = "--spot", description = "Price workers at the spot price.")
    boolean spot;

    @Option(
            names = "--boot-delay",
            paramLabel = "SECONDS[,SECONDS...]",
            split = ",",
            description = "Seconds from start until a worker registers (default: the provider's typical boot time);"
                    + " several values (e.g. measured ones) are replayed in turn, one per start, and the"
                    + " policies plan with their mean.")
    List<Double> bootDelay;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Threads per worker (default: the type's vCPUs, else 2).")
    Integer threads;

    @Option(
            names = "--min",
            paramLabel = "N",
            defaultValue = "0",
            description = "Adaptive minimum workers (default: ${DEFAULT-VALUE}).")
    int min;

    @Option(
            names = "--max",
            paramLabel = "N",
            defaultValue = "50",
            description = "Adaptive maximum workers, a hard limit (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(
            names = "--fixed-workers",
            paramLabel = "N",
            defaultValue = "20",
            description = "Workers of the fixed cluster (default: ${DEFAULT-VALUE}).")
    int fixedWorkers;

    @Option(
            names = "--billing-minimum",
            paramLabel = "SECONDS",
            description =
                    "Minimum billed per start (default: 60; providers may set their own, e.g. a billing-minimum setting).")
    Long billingMinimum;

    @Override
    public Integer call() {
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException(
                    "--min/--max: need 0 ≤ min ≤ max and max ≥ 1 (was " + min + ":" + max + ")");
        }
        if (fixedWorkers < 1) {
            throw new IllegalArgumentException("--fixed-workers must be ≥ 1 (was " + fixedWorkers + ")");
        }
        if (bootDelay != null) {
            for (Double b : bootDelay) {
                if (b == null || !(b >= 0) || b.isInfinite()) {
                    throw new IllegalArgumentException("--boot-delay: every value must be ≥ 0 seconds (was " + b + ")");
                }
            }
        }
        AdaptGoal goal = AdaptGoal.parse(adaptGoal, "--adapt-goal");
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be ≥ 1 (was " + threads + ")");
        }
        if (billingMinimum != null && billingMinimum < 0) {
            throw new IllegalArgumentException("--billing-minimum must be ≥ 0 seconds (was " + billingMinimum + ")");
        }
        Settings settings = common.settings(Map.of(), Map.of());
        CloudProvider provider = pricedProvider(settings);
        Map<String, String> options = ProviderOptions.of(settings, provider);
        ClusterPricing.Machines machines = provider.machines(options).orElseThrow();
        String type = instanceType != null ? instanceType : machines.workerType();
        String where = region != null ? region : machines.region();
        PriceTable prices = provider.priceTable().orElseGet(PriceTable::empty).withOverrides(settings.prices());
        PriceTable.Price price = prices.price(machines.provider(), where, type)
                .orElseThrow(() ->
                        new IllegalArgumentException("no price for " + machines.provider() + "/" + where + "/" + type
                                + " in the bundled table (as of " + prices.asOf()
                                + "): give one with the 'prices' setting, e.g. prices: {" + machines.provider() + "/"
                                + where + "/" + type
                                + ": 0.10}"));
        BillingModel billing = billingMinimum != null ? new BillingModel(billingMinimum) : provider.billing(options);
        List<Double> bootSamples = bootDelay == null || bootDelay.size() < 2 ? List.of() : bootDelay;
        double typicalBoot = provider.typicalBootTime().toMillis() / 1000.0;
        double boot = bootDelay != null
                ? bootDelay.stream().mapToDouble(Double::doubleValue).average().orElse(typicalBoot)
                : typicalBoot;
        int nthreads = threads != null ? threads : price.vcpus() > 0 ? price.vcpus() : 2;
        ClusterSimulator simulator = new ClusterSimulator(new ClusterSimulator.Settings(
                nthreads, boot, billing, price.perHour(spot), Math.max(max, fixedWorkers), bootSamples));
        List<Trace> workloads = trace.equalsIgnoreCase("all")
                ? Traces.NAMES.stream().map(Traces::builtIn).toList()
                : List.of(
                        Traces.NAMES.contains(trace.toLowerCase(Locale.ROOT))
                                ? Traces.builtIn(trace)
                                : TraceFile.read(Path.of(trace)));

        PrintWriter out = spec.commandLine().getOut();
        if (!output.json()) {
            out.printf(
                    "%s; %s %s %s%s at $%.4f/h, %d threads, boot %.0f s%s,"
                            + " billed per second with a %d s minimum (prices as of %s)%n",
                    workloads.size() == 1
                            ? String.format(
                                    "%s: %,d tasks, %,.0f thread-seconds of work",
                                    workloads.get(0).name(),
                                    workloads.get(0).tasks().size(),
                                    workloads.get(0).totalWorkSeconds())
                            : workloads.size() + " traces",
                    provider.name(),
                    where,
                    type,
                    spot ? " spot" : "",
                    price.perHour(spot),
                    nthreads,
                    boot,
                    bootSamples.isEmpty() ? "" : " (mean of " + bootSamples.size() + " replayed in turn)",
                    billing.minimumSeconds(),
                    prices.asOf());
            out.printf(
                    "%-10s %-17s %22s %10s %12s %9s %14s  %s%n",
                    "trace",
                    "policy",
                    "billed worker-seconds",
                    "dollars",
                    "makespan s",
                    "launched",
                    "mean latency s",
                    "vs dask");
        }
        for (Trace workload : workloads) {
            List<SimulationResult> results = new java.util.ArrayList<>();
            for (ScalingPolicy p : policies(billing, boot, goal)) {
                results.add(simulator.run(workload, p));
            }
            java.util.Set<String> front = ParetoFront.of(results);
            SimulationResult dask = results.stream()
                    .filter(r -> r.policy().equals("dask"))
                    .findFirst()
                    .orElse(null);
            for (SimulationResult r : results) {
                print(out, r, front.contains(r.policy()), dask);
            }
        }
        out.flush();
        return 0;
    }

    /** One result: a JSON line, or a table row with its place on the cost/latency front and against Dask. */
    private void print(PrintWriter out, SimulationResult r, boolean onFront, SimulationResult dask) {
        if (output.json()) {
            // One object per line, so results can be appended and compared with line tools.
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("trace", r.trace());
            json.put("policy", r.policy());
            json.put("billed_worker_seconds", r.billedWorkerSeconds());
            json.put("dollars", Math.round(r.dollars() * 10000) / 10000.0);
            json.put("makespan_s", Math.round(r.makespanSeconds() * 10) / 10.0);
            json.put("workers_launched", r.workersLaunched());
            json.put("peak_workers", r.peakWorkers());
            json.put("mean_latency_s", Math.round(r.meanLatencySeconds() * 10) / 10.0);
            json.put("pareto_front", onFront);
            out.println(JSON_LINE.apply(json));
            return;
        }
        String versus = "";
        if (dask != null && r != dask) {
            versus = String.format(
                    "%+.0f%% $, %+.0f%% latency, %+.1f%% makespan",
                    100 * (r.dollars() / dask.dollars() - 1),
                    100 * (r.meanLatencySeconds() / dask.meanLatencySeconds() - 1),
                    100 * (r.makespanSeconds() / dask.makespanSeconds() - 1));
        }
        out.printf(
                "%-10s %-17s %,22d %10.4f %,12.1f %9d %,14.1f  %s%s%n",
                r.trace(),
                r.policy() + (onFront ? " *" : ""),
                r.billedWorkerSeconds(),
                r.dollars(),
                r.makespanSeconds(),
                r.workersLaunched(),
                r.meanLatencySeconds(),
                versus,
                "");
    }

    private static final java.util.function.Function<Object, String> JSON_LINE = value -> {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    };

    /** Fresh policies for this run (they keep state). */
    private List<ScalingPolicy> policies(BillingModel billing, double boot, AdaptGoal goal) {
        ScalingPolicy fixedPolicy = new FixedPolicy(fixedWorkers);
        ScalingPolicy dask = new DaskAdaptivePolicy(min, max);
        return switch (policy) {
            case fixed -> List.of(fixedPolicy);
            case dask -> List.of(dask);
            case jcloud -> List.of(new JcloudPolicy(min, max, 5, boot, billing, goal));
            case all -> {
                List<ScalingPolicy> all = new java.util.ArrayList<>(List.of(fixedPolicy, dask));
                for (AdaptGoal g : AdaptGoal.values()) {
                    all.add(new JcloudPolicy(min, max, 5, boot, billing, g));
                }
                yield all;
            }
        };
    }

    /** The provider named by --provider, else the configured one, else the first of this build that prices machines. */
    private CloudProvider pricedProvider(Settings settings) {
        CloudProviders providers = CloudProviders.load();
        List<String> priced = providers.all().stream()
                .filter(p -> p.machines(Map.of()).isPresent())
                .map(CloudProvider::name)
                .toList();
        if (providerName != null) {
            CloudProvider p = providers.require(providerName);
            if (!priced.contains(p.name())) {
                throw new IllegalArgumentException("--provider: " + p.name()
                        + " does not price its machines; use one of " + String.join(", ", priced));
            }
            return p;
        }
        String configured = settings.cluster().provider();
        if (priced.isEmpty()) {
            throw new IllegalArgumentException("no provider of this build prices its machines");
        }
        return providers.require(priced.contains(configured) ? configured : priced.get(0));
    }
}
