package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Mixin;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Spec;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.ClusterSimulator;
import dev.jcloud.provisioner.elastic.DaskAdaptivePolicy;
import dev.jcloud.provisioner.elastic.FixedPolicy;
import dev.jcloud.provisioner.elastic.JcloudPolicy;
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

/** {@code jcloud simulate}: what a workload would cost under a fixed cluster, Dask's adaptive policy and jcloud's. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Replay a workload through scaling policies on a simulated cloud (no cloud needed,",
            "deterministic) and report billed worker-seconds, dollars and makespan.",
            "Traces: bursty, steady, longtail, nightly (built in, fixed seed) or a CSV file with lines",
            "  arrival_s,duration_s[,kind]   ('#' comments, blank lines and a header line are ignored).",
            "Policies: fixed (N workers all along), dask (a port of Dask's adaptive policy),",
            "jcloud (boot- and billing-aware), or all.",
            "Prices come from the bundled table and the 'prices' setting."
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
            description = "bursty, steady, longtail, nightly, or the path of a trace file.")
    String trace;

    @Option(
            names = "--policy",
            paramLabel = "POLICY",
            defaultValue = "all",
            description = "fixed, dask, jcloud or all (default: ${DEFAULT-VALUE}).")
    PolicyName policy;

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
            paramLabel = "SECONDS",
            description = "Seconds from start until a worker registers (default: the provider's typical boot time).")
    Double bootDelay;

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
        if (bootDelay != null && !(bootDelay >= 0)) {
            throw new IllegalArgumentException("--boot-delay must be ≥ 0 seconds (was " + bootDelay + ")");
        }
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
        double boot = bootDelay != null ? bootDelay : provider.typicalBootTime().toMillis() / 1000.0;
        int nthreads = threads != null ? threads : price.vcpus() > 0 ? price.vcpus() : 2;
        ClusterSimulator simulator = new ClusterSimulator(new ClusterSimulator.Settings(
                nthreads, boot, billing, price.perHour(spot), Math.max(max, fixedWorkers)));
        Trace workload = Traces.NAMES.contains(trace.toLowerCase(Locale.ROOT))
                ? Traces.builtIn(trace)
                : TraceFile.read(Path.of(trace));

        PrintWriter out = spec.commandLine().getOut();
        if (!output.json()) {
            out.printf(
                    "%s: %,d tasks, %,.0f thread-seconds of work; %s %s %s%s at $%.4f/h, %d threads, boot %.0f s,"
                            + " billed per second with a %d s minimum (prices as of %s)%n",
                    workload.name(),
                    workload.tasks().size(),
                    workload.totalWorkSeconds(),
                    provider.name(),
                    where,
                    type,
                    spot ? " spot" : "",
                    price.perHour(spot),
                    nthreads,
                    boot,
                    billing.minimumSeconds(),
                    prices.asOf());
            out.printf(
                    "%-10s %-7s %22s %10s %12s %9s %14s%n",
                    "trace", "policy", "billed worker-seconds", "dollars", "makespan s", "launched", "mean latency s");
        }
        for (ScalingPolicy p : policies(billing, boot)) {
            SimulationResult r = simulator.run(workload, p);
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
                out.println(JSON_LINE.apply(json));
            } else {
                out.printf(
                        "%-10s %-7s %,22d %10.4f %,12.1f %9d %,14.1f%n",
                        r.trace(),
                        r.policy(),
                        r.billedWorkerSeconds(),
                        r.dollars(),
                        r.makespanSeconds(),
                        r.workersLaunched(),
                        r.meanLatencySeconds());
            }
        }
        out.flush();
        return 0;
    }

    private static final java.util.function.Function<Object, String> JSON_LINE = value -> {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    };

    /** Fresh policies for this run (they keep state). */
    private List<ScalingPolicy> policies(BillingModel billing, double boot) {
        ScalingPolicy fixedPolicy = new FixedPolicy(fixedWorkers);
        ScalingPolicy dask = new DaskAdaptivePolicy(min, max);
        ScalingPolicy jcloud = new JcloudPolicy(min, max, 5, boot, billing);
        return switch (policy) {
            case fixed -> List.of(fixedPolicy);
            case dask -> List.of(dask);
            case jcloud -> List.of(jcloud);
            case all -> List.of(fixedPolicy, dask, jcloud);
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
