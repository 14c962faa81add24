package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import dev.jcloud.config.Settings;
import dev.jcloud.providers.local.LocalCluster;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.UpProgress;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster up}: start a scheduler and N workers and wait until all are registered. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Start a cluster (a scheduler and N workers) that keeps running after this command.",
            "Waits until every worker is registered. Unset options come from the configuration"
                    + " (see 'jcloud config show --sources')."
        })
final class ClusterUpCommand implements Callable<Integer>, ProviderFlags.Taker {

    /** Flag name to settings key path; values stay raw so that the config module validates them. */
    private static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("--provider", "cluster.provider"),
            Map.entry("--workers", "cluster.workers"),
            Map.entry("--name", "cluster.name"),
            Map.entry("--idle-timeout", "cluster.idle-timeout"),
            Map.entry("--no-client-timeout", "cluster.no-client-timeout"),
            Map.entry("--nthreads", "worker.nthreads"),
            Map.entry("--memory-limit", "worker.memory-limit"),
            Map.entry("--tls", "security.tls"));

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description = "Where the cluster runs: one of the providers in this build, listed by 'jcloud --help'"
                    + " (default: local).")
    String provider;

    @Option(names = "--workers", paramLabel = "N", description = "Number of workers, >= 0 (default: 4).")
    String workers;

    @Option(names = "--name", paramLabel = "NAME", description = "Cluster name (default: <provider>-<random>).")
    String name;

    @Option(
            names = "--idle-timeout",
            paramLabel = "DURATION",
            description =
                    "Stop the whole cluster after no tasks and no clients for this long, e.g. 20m; 0 = never (default: 20m).")
    String idleTimeout;

    @Option(
            names = "--nthreads",
            paramLabel = "N",
            description = "Task threads per worker; 0 = cores / workers (default).")
    String nthreads;

    @Option(
            names = "--memory-limit",
            paramLabel = "SIZE",
            description = "Memory per worker, e.g. 2GiB, or auto (default).")
    String memoryLimit;

    @Option(
            names = "--tls",
            arity = "0..1",
            fallbackValue = "true",
            paramLabel = "true|false",
            description = "Mutual TLS with a CA made for this cluster (default: security.tls, on for cloud providers,"
                    + " off for local).")
    String tls;

    @Option(
            names = "--no-client-timeout",
            paramLabel = "DURATION",
            description =
                    "Also remove the cluster after no client for this long, even with work queued (default: off).")
    String noClientTimeout;

    @Option(names = "--keep-on-failure", description = "Keep what a failed up created, for inspection.")
    boolean keepOnFailure;

    @Option(
            names = "--wait",
            paramLabel = "workers|provisioned",
            defaultValue = "workers",
            description = "Return when every worker is registered (default), or once the machines are created"
                    + " (provisioned; the engine is not yet confirmed).")
    String waitFor;

    @Option(
            names = "--adapt",
            paramLabel = "MIN:MAX",
            description =
                    "Adaptive scaling between MIN and MAX workers (a hard limit), by the controller in the"
                            + " scheduler: it adds workers when work queues and retires idle ones once their paid minimum is used.")
    String adapt;

    @Option(
            names = "--adapt-goal",
            paramLabel = "cost|balanced|latency",
            description = "What adaptive scaling favours when cost and waiting pull apart (setting"
                    + " cluster.adapt.goal, default cost); 'jcloud simulate --policy all' shows each goal's cost and"
                    + " latency.")
    String adaptGoal;

    @Option(
            names = "--dry-run",
            description = "Print what up would create and which cloud API calls it would make,"
                    + " after checking the options; create nothing and call no cloud.")
    boolean dryRun;

    @Override
    public Integer call() {
        CloudProviders providers = CloudProviders.load();
        // Validates --provider (or cluster.provider) against the providers of this build first.
        String chosen = common.settings(baseFlags(), flagNamesByKey()).cluster().provider();
        CloudProvider cloud = providers.require(chosen); // fail before creating anything
        Map<String, String> names = flagNamesByKey();
        Map<String, String> flags = baseFlags();
        flags.putAll(ProviderFlags.given(spec.commandLine().getParseResult(), cloud, providers, names));
        Settings settings = common.settings(flags, names);
        String providerName = cloud.name();
        String clusterName = settings.cluster().name().orElseGet(() -> ClusterNames.generate(providerName));
        try {
            ClusterNames.check(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((name != null ? "--name: " : "cluster.name: ") + e.getMessage());
        }
        int workerCount = settings.cluster().workers();
        int threads = settings.worker().nthreads() > 0
                ? settings.worker().nthreads()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workerCount));
        Duration wait = settings.cluster().waitTimeout().isZero()
                ? Duration.ofHours(1)
                : settings.cluster().waitTimeout();
        ClusterRequest request = ClusterRequest.named(clusterName)
                .withWorkers(workerCount)
                .withNthreads(threads)
                .withMemoryLimit(settings.worker().memoryLimit().orElse(null))
                .withIdleTimeout(settings.cluster().idleTimeout())
                .withDeathTimeout(settings.cluster().deathTimeout())
                .withStartTimeout(wait)
                .withOption("detached", "true")
                .withOption(
                        ClusterTrust.OPTION,
                        Boolean.toString(settings.security().tlsEnabledFor(cloud.remote())));
        if (providerName.equals("local")) {
            // The engine's jars only, not every cloud SDK the CLI carries: the processes start faster.
            request = request.withOption("classpath", LocalCluster.engineClasspath());
        }
        for (Map.Entry<String, String> o : ProviderOptions.of(settings, cloud).entrySet()) {
            request = request.withOption(o.getKey(), o.getValue());
        }
        if (settings.cluster().adapt().isPresent()) {
            Settings.Adapt a = settings.cluster().adapt().get();
            request = request.withOption(ControllerSpecs.MIN, Integer.toString(a.min()))
                    .withOption(ControllerSpecs.MAX, Integer.toString(a.max()))
                    .withOption(ControllerSpecs.TARGET, Durations.format(a.targetDuration()))
                    .withOption(ControllerSpecs.GOAL, a.goal());
        }

        Optional<ClusterPricing> pricing = cloud.pricing(request.options());
        if (!waitFor.equals("workers") && !waitFor.equals(Provisioner.WAIT_PROVISIONED)) {
            throw new IllegalArgumentException("--wait: use workers or provisioned (was '" + waitFor + "')");
        }
        request = request.withOption(Provisioner.WAIT, waitFor);
        if (!settings.cluster().noClientTimeout().isZero()) {
            request = request.withOption(
                    Provisioner.NO_CLIENT_TIMEOUT,
                    Durations.format(settings.cluster().noClientTimeout()));
        }
        if (keepOnFailure) {
            request = request.withOption(Provisioner.KEEP_ON_FAILURE, "true");
        }
        if (dryRun) {
            printPlan(
                    ClusterCommand.provisioner().plan(providerName, request),
                    workerCount,
                    pricing.map(p -> p.estimate(workerCount)));
            return 0;
        }
        PrintWriter err = spec.commandLine().getErr();
        UpProgress progress = output.json()
                ? UpProgress.NONE
                : (step, seconds) -> {
                    err.printf("  %-50s %6.1f s%n", step, seconds);
                    err.flush();
                };
        long start = System.nanoTime();
        ClusterRecord record = ClusterCommand.provisioner().up(providerName, request, 0, progress);
        double seconds = (System.nanoTime() - start) / 1e9;

        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", record.name());
            json.put("provider", record.provider());
            json.put("scheduler", record.scheduler());
            json.put("dashboard", record.dashboard());
            json.put("workers", record.workers().size());
            pricing.ifPresent(
                    p -> json.put("dollars_per_hour", Math.round(p.dollarsPerHour(workerCount) * 10_000) / 10_000.0));
            OutputOptions.printJson(out, json);
        } else {
            out.printf(
                    "cluster %s is up (%s, %d workers x %d threads, ready in %.1f s)%n",
                    record.name(), record.provider(), record.workers().size(), threads, seconds);
            out.printf("  scheduler:  %s%n", record.scheduler());
            Provisioner provisioner = ClusterCommand.provisioner();
            boolean token = provisioner.dashboardToken(record).isPresent();
            out.printf(
                    "  dashboard:  %s%n",
                    record.dashboard() == null
                            ? "off"
                            : provisioner.dashboardUrl(record, "/")
                                    + (token
                                            ? "  (open it with: jcloud cluster dashboard " + record.name() + ")"
                                            : ""));
            out.printf(
                    "  metrics:    %s%n",
                    record.dashboard() == null
                            ? "off"
                            : provisioner.dashboardUrl(record, "/metrics")
                                    + (token
                                            ? "  (Authorization: Bearer, the token and CA in 'jcloud cluster credentials')"
                                            : ""));
            pricing.ifPresent(p -> out.printf("  cost:       %s%n", p.estimate(workerCount)));
            Duration idle = settings.cluster().idleTimeout();
            out.printf(
                    "It stops by itself after %s without tasks or clients; stop it now with: jcloud cluster down %s%n",
                    idle.isZero() ? "never (--idle-timeout 0)" : Durations.format(idle), record.name());
            out.flush();
        }
        return 0;
    }

    /** {@code --dry-run}: the steps {@code up} would take, as a numbered list or JSON. */
    private void printPlan(UpPlan plan, int workers, Optional<String> estimate) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dry_run", true);
            json.put("name", plan.cluster());
            json.put("provider", plan.provider());
            json.put("workers", workers);
            json.put(
                    "steps",
                    plan.steps().stream()
                            .map(st -> Map.of(
                                    "action",
                                    st.action(),
                                    "resource",
                                    st.resource(),
                                    "calls",
                                    st.calls(),
                                    "detail",
                                    st.detail()))
                            .toList());
            OutputOptions.printJson(out, json);
        } else {
            out.printf(
                    "dry run: cluster %s on %s, %d workers; nothing was created and no cloud API was called.%n",
                    plan.cluster(), plan.provider(), workers);
            out.printf("Names below use cluster id %s; 'up' draws a new one.%n", plan.id());
            int n = 1;
            for (UpPlan.Step st : plan.steps()) {
                out.printf("%3d. %-7s %s%n", n++, st.action(), st.resource());
                out.printf("       calls: %s%n", st.calls());
                if (!st.detail().isEmpty()) {
                    out.printf("       %s%n", st.detail());
                }
            }
            estimate.ifPresent(e -> out.printf("cost: %s%n", e));
        }
        out.flush();
    }

    private Map<String, String> baseFlags() {
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "--provider", provider);
        put(flags, "--workers", workers);
        put(flags, "--name", name);
        put(flags, "--idle-timeout", idleTimeout);
        put(flags, "--no-client-timeout", noClientTimeout);
        put(flags, "--nthreads", nthreads);
        put(flags, "--memory-limit", memoryLimit);
        put(flags, "--tls", tls);
        if (adapt != null) {
            String[] bounds = adapt.split(":", -1);
            if (bounds.length != 2) {
                throw new IllegalArgumentException("invalid --adapt '" + adapt + "': use MIN:MAX, e.g. 0:50");
            }
            flags.put("cluster.adapt", "true");
            flags.put("cluster.adapt.min", bounds[0].strip());
            flags.put("cluster.adapt.max", bounds[1].strip());
        }
        if (adaptGoal != null) {
            flags.put("cluster.adapt.goal", adaptGoal);
        }
        return flags;
    }

    private static void put(Map<String, String> flags, String flag, String value) {
        if (value != null) {
            flags.put(KEYS.get(flag), value);
        }
    }

    private static Map<String, String> flagNamesByKey() {
        Map<String, String> names = new LinkedHashMap<>();
        KEYS.forEach((flag, key) -> names.put(key, flag));
        names.put("cluster.adapt.min", "--adapt");
        names.put("cluster.adapt.max", "--adapt");
        names.put("cluster.adapt.goal", "--adapt-goal");
        return names;
    }
}
