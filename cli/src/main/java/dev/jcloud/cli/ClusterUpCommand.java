package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import dev.jcloud.config.Settings;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster up}: start a scheduler and N workers and wait until all are registered. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start a cluster (a scheduler and N workers) that keeps running after this command,",
                "and wait until every worker is registered. Unset options come from the configuration",
                "(see 'jcloud config show --sources')."})
final class ClusterUpCommand implements Callable<Integer> {

    /** Flag name to settings key path; values stay raw so that the config module validates them. */
    private static final Map<String, String> KEYS = Map.of(
            "--provider", "cluster.provider",
            "--workers", "cluster.workers",
            "--name", "cluster.name",
            "--idle-timeout", "cluster.idle-timeout",
            "--nthreads", "worker.nthreads",
            "--memory-limit", "worker.memory-limit",
            "--tls", "security.tls");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(names = "--provider", paramLabel = "NAME", description = "local, aws, fargate, gcp or azure (default: local).")
    String provider;

    @Option(names = "--workers", paramLabel = "N", description = "Number of workers, >= 0 (default: 4).")
    String workers;

    @Option(names = "--name", paramLabel = "NAME", description = "Cluster name (default: <provider>-<random>).")
    String name;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Stop the whole cluster after no tasks and no clients for this long, e.g. 20m; 0 = never (default: 20m).")
    String idleTimeout;

    @Option(names = "--nthreads", paramLabel = "N", description = "Task threads per worker; 0 = cores / workers (default).")
    String nthreads;

    @Option(names = "--memory-limit", paramLabel = "SIZE", description = "Memory per worker, e.g. 2GiB, or auto (default).")
    String memoryLimit;

    @Option(names = "--tls", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "Mutual TLS with a CA made for this cluster (default: security.tls, on for cloud providers,"
                    + " off for local).")
    String tls;

    @Override
    public Integer call() {
        Settings settings = common.settings(givenFlags(), flagNamesByKey());
        String providerName = settings.cluster().provider().id();
        CloudProviders providers = CloudProviders.load();
        providers.require(providerName);   // fail before creating anything
        String clusterName = settings.cluster().name().orElseGet(() -> ClusterNames.generate(providerName));
        try {
            ClusterNames.check(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((name != null ? "--name: " : "cluster.name: ") + e.getMessage());
        }
        int workerCount = settings.cluster().workers();
        int threads = settings.worker().nthreads() > 0 ? settings.worker().nthreads()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workerCount));
        Duration wait = settings.cluster().waitTimeout().isZero() ? Duration.ofHours(1) : settings.cluster().waitTimeout();
        ClusterRequest request = ClusterRequest.named(clusterName)
                .withWorkers(workerCount)
                .withNthreads(threads)
                .withMemoryLimit(settings.worker().memoryLimit().orElse(null))
                .withIdleTimeout(settings.cluster().idleTimeout())
                .withDeathTimeout(settings.cluster().deathTimeout())
                .withStartTimeout(wait)
                .withOption("detached", "true")
                .withOption(ClusterTrust.OPTION, Boolean.toString(settings.tlsEnabled()));

        long start = System.nanoTime();
        ClusterRecord record = ClusterCommand.provisioner().up(providerName, request, 0);
        double seconds = (System.nanoTime() - start) / 1e9;

        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", record.name());
            json.put("provider", record.provider());
            json.put("scheduler", record.scheduler());
            json.put("dashboard", record.dashboard());
            json.put("workers", record.workers().size());
            OutputOptions.printJson(out, json);
        } else {
            out.printf("cluster %s is up (%s, %d workers x %d threads, ready in %.1f s)%n", record.name(),
                    record.provider(), record.workers().size(), threads, seconds);
            out.printf("  scheduler:  %s%n", record.scheduler());
            out.printf("  dashboard:  %s%n", record.dashboard() == null ? "off" : "http://" + record.dashboard());
            out.printf("  metrics:    %s%n", record.dashboard() == null ? "off" : "http://" + record.dashboard() + "/metrics");
            Duration idle = settings.cluster().idleTimeout();
            out.printf("It stops by itself after %s without tasks or clients; stop it now with: jcloud cluster down %s%n",
                    idle.isZero() ? "never (--idle-timeout 0)" : Durations.format(idle), record.name());
            out.flush();
        }
        return 0;
    }

    private Map<String, String> givenFlags() {
        Map<String, String> flags = new LinkedHashMap<>();
        put(flags, "--provider", provider);
        put(flags, "--workers", workers);
        put(flags, "--name", name);
        put(flags, "--idle-timeout", idleTimeout);
        put(flags, "--nthreads", nthreads);
        put(flags, "--memory-limit", memoryLimit);
        put(flags, "--tls", tls);
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
        return names;
    }
}
