package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import dev.jcloud.config.Settings;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Mixin;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Spec;
import dev.jcloud.providers.local.LocalCluster;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.UpProgress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jcloud cluster up}: start a scheduler and N workers and wait until all are registered. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Start a cluster (a scheduler and N workers) that keeps running after this command,",
            "and wait until every worker is registered. Unset options come from the configuration",
            "(see 'jcloud config show --sources')."
        })
final class ClusterUpCommand implements Callable<Integer> {

    /** Flag name to settings key path; values stay raw so that the config module validates them. */
    private static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("--provider", "cluster.provider"),
            Map.entry("--workers", "cluster.workers"),
            Map.entry("--name", "cluster.name"),
            Map.entry("--idle-timeout", "cluster.idle-timeout"),
            Map.entry("--no-client-timeout", "cluster.no-client-timeout"),
            Map.entry("--nthreads", "worker.nthreads"),
            Map.entry("--memory-limit", "worker.memory-limit"),
            Map.entry("--tls", "security.tls"),
            Map.entry("--region", "aws.region"),
            Map.entry("--worker-type", "aws.worker-type"),
            Map.entry("--scheduler-type", "aws.scheduler-type"),
            Map.entry("--subnet", "aws.subnet"),
            Map.entry("--vpc", "aws.vpc"),
            Map.entry("--ami", "aws.ami"),
            Map.entry("--worker-cpu", "fargate.worker-cpu"),
            Map.entry("--worker-memory", "fargate.worker-memory"),
            Map.entry("--image", "fargate.image"),
            Map.entry("--project", "gcp.project"),
            Map.entry("--zone", "gcp.zone"),
            Map.entry("--machine-type", "gcp.machine-type"),
            Map.entry("--network", "gcp.network"),
            Map.entry("--subnetwork", "gcp.subnetwork"),
            Map.entry("--subscription", "azure.subscription"),
            Map.entry("--location", "azure.location"),
            Map.entry("--vm-size", "azure.vm-size"));

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description = "local, aws, fargate, gcp or azure (default: local).")
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
            names = "--region",
            paramLabel = "REGION",
            description = "aws, fargate: the AWS region (default: the SDK's).")
    String region;

    @Option(
            names = "--worker-type",
            paramLabel = "TYPE",
            description = "aws: EC2 instance type of the workers (default: m6i.large).")
    String workerType;

    @Option(
            names = "--scheduler-type",
            paramLabel = "TYPE",
            description = "aws: EC2 instance type of the scheduler (default: m6i.large).")
    String schedulerType;

    @Option(
            names = "--subnet",
            paramLabel = "ID",
            description = "aws, fargate: the subnet to use (default: the default VPC's).")
    String subnet;

    @Option(
            names = "--vpc",
            paramLabel = "ID|new",
            description = "aws, fargate: the VPC to use, or 'new' for a dedicated one.")
    String vpc;

    @Option(
            names = "--ami",
            paramLabel = "ID",
            description = "aws: machine image (default: the latest Amazon Linux 2023).")
    String ami;

    @Option(
            names = "--worker-cpu",
            paramLabel = "UNITS",
            description = "fargate: worker CPU units, 1024 = 1 vCPU (default: 1024).")
    String workerCpu;

    @Option(
            names = "--worker-memory",
            paramLabel = "MIB",
            description = "fargate: worker memory in MiB (default: 4096).")
    String workerMemory;

    @Option(names = "--image", paramLabel = "IMAGE", description = "fargate: the engine container image.")
    String image;

    @Option(names = "--project", paramLabel = "ID", description = "gcp: the project.")
    String project;

    @Option(names = "--zone", paramLabel = "ZONE", description = "gcp: the zone (default: us-central1-a).")
    String zone;

    @Option(names = "--machine-type", paramLabel = "TYPE", description = "gcp: machine type (default: e2-standard-4).")
    String machineType;

    @Option(names = "--network", paramLabel = "NAME", description = "gcp: the VPC network.")
    String network;

    @Option(names = "--subnetwork", paramLabel = "NAME", description = "gcp: the subnetwork.")
    String subnetwork;

    @Option(names = "--subscription", paramLabel = "ID", description = "azure: the subscription.")
    String subscription;

    @Option(names = "--location", paramLabel = "LOCATION", description = "azure: the location (default: eastus).")
    String location;

    @Option(names = "--vm-size", paramLabel = "SIZE", description = "azure: VM size (default: Standard_D4s_v5).")
    String vmSize;

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
            names = "--spot",
            arity = "0..1",
            fallbackValue = "true",
            paramLabel = "true|false",
            description = "Cloud providers: workers on spot/preemptible capacity, falling back to on-demand.")
    String spot;

    @Option(
            names = "--allow-from",
            paramLabel = "CIDR",
            description =
                    "Cloud providers: who may reach the scheduler and dashboard (default: your public address /32).")
    String allowFrom;

    @Option(
            names = "--dry-run",
            description = "Print what up would create and which cloud API calls it would make,"
                    + " after checking the options; create nothing and call no cloud.")
    boolean dryRun;

    @Override
    public Integer call() {
        String chosen = provider != null
                ? provider
                : common.settings(baseFlags(), flagNamesByKey(null))
                        .cluster()
                        .provider()
                        .id();
        String section = ProviderOptions.sections(chosen.toLowerCase(java.util.Locale.ROOT)).stream()
                .reduce((a, b) -> b)
                .orElse(null);
        Settings settings = common.settings(givenFlags(section), flagNamesByKey(section));
        String providerName = settings.cluster().provider().id();
        CloudProviders providers = CloudProviders.load();
        providers.require(providerName); // fail before creating anything
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
                .withOption(ClusterTrust.OPTION, Boolean.toString(settings.tlsEnabled()));
        if (providerName.equals("local")) {
            // The engine's jars only, not every cloud SDK the CLI carries: the processes start faster.
            request = request.withOption("classpath", LocalCluster.engineClasspath());
        }
        for (Map.Entry<String, String> o :
                ProviderOptions.of(settings, providerName).entrySet()) {
            request = request.withOption(o.getKey(), o.getValue());
        }
        if (settings.cluster().adapt().isPresent()) {
            Settings.Adapt a = settings.cluster().adapt().get();
            request = request.withOption(ControllerSpecs.MIN, Integer.toString(a.min()))
                    .withOption(ControllerSpecs.MAX, Integer.toString(a.max()))
                    .withOption(ControllerSpecs.TARGET, Durations.format(a.targetDuration()))
                    .withOption(ControllerSpecs.GOAL, a.goal());
        }

        var pricing = dev.jcloud.provisioner.elastic.ClusterPricing.of(
                providerName,
                request.options(),
                dev.jcloud.provisioner.elastic.PriceTable.bundled().withOverrides(settings.prices()));
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
    private void printPlan(UpPlan plan, int workers, java.util.Optional<String> estimate) {
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

    private Map<String, String> givenFlags(String section) {
        Map<String, String> flags = baseFlags();
        if (section != null) {
            if (spot != null) {
                flags.put(section + ".spot", spot);
            }
            if (allowFrom != null) {
                flags.put(allowFromKey(section), allowFrom);
            }
        } else if (spot != null || allowFrom != null) {
            throw new IllegalArgumentException((spot != null ? "--spot" : "--allow-from")
                    + " applies to cloud providers (aws, fargate, gcp, azure), not to "
                    + (provider == null ? "local" : provider));
        }
        return flags;
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
        put(flags, "--region", region);
        put(flags, "--worker-type", workerType);
        put(flags, "--scheduler-type", schedulerType);
        put(flags, "--subnet", subnet);
        put(flags, "--vpc", vpc);
        put(flags, "--ami", ami);
        put(flags, "--worker-cpu", workerCpu);
        put(flags, "--worker-memory", workerMemory);
        put(flags, "--image", image);
        put(flags, "--project", project);
        put(flags, "--zone", zone);
        put(flags, "--machine-type", machineType);
        put(flags, "--network", network);
        put(flags, "--subnetwork", subnetwork);
        put(flags, "--subscription", subscription);
        put(flags, "--location", location);
        put(flags, "--vm-size", vmSize);
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

    /** Fargate clusters use the EC2 network settings, so their allow-from is {@code aws.allow-from}. */
    private static String allowFromKey(String section) {
        return (section.equals("fargate") ? "aws" : section) + ".allow-from";
    }

    private static Map<String, String> flagNamesByKey(String section) {
        Map<String, String> names = new LinkedHashMap<>();
        KEYS.forEach((flag, key) -> names.put(key, flag));
        names.put("cluster.adapt.min", "--adapt");
        names.put("cluster.adapt.max", "--adapt");
        names.put("cluster.adapt.goal", "--adapt-goal");
        if (section != null) {
            names.put(section + ".spot", "--spot");
            names.put(allowFromKey(section), "--allow-from");
        }
        return names;
    }
}
