package dev.jcloud.cli;

import dev.jcloud.config.ByteSize;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterSummary;
import dev.jcloud.engine.api.WorkerSummary;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster status NAME}: addresses, workers and task counts, as the scheduler reports them. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show a running cluster: addresses, workers and task counts from its scheduler.")
final class ClusterStatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @Override
    public Integer call() {
        Provisioner provisioner = ClusterCommand.provisioner();
        ClusterRecord record = provisioner
                .find(name)
                .orElseThrow(
                        () -> new UserFailure("no cluster named " + name + " is running (see 'jcloud cluster list')"));
        ClusterSummary summary = null;
        String problem = null;
        if (record.scheduler() == null) {
            problem = "still starting";
        } else {
            try (Client client = provisioner.connect(record)) {
                summary = client.summary();
            } catch (RuntimeException e) {
                problem = "scheduler not answering: " + e.getMessage();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Map<String, Object> json = ClusterListCommand.summary(record);
            json.put("error", problem);
            if (summary != null) {
                json.put("engine_version", summary.engineVersion());
                json.put("scheduler_pid", summary.schedulerPid());
                json.put("registered_workers", summary.workers().size());
                Map<String, Object> tasks = new LinkedHashMap<>();
                tasks.put("waiting", summary.tasksWaiting());
                tasks.put("processing", summary.tasksProcessing());
                tasks.put("in_memory", summary.tasksInMemory());
                tasks.put("erred", summary.tasksErred());
                tasks.put("completed_total", summary.tasksCompletedTotal());
                json.put("tasks", tasks);
                json.put("clients", summary.clients());
                List<Map<String, Object>> workers = new ArrayList<>();
                for (WorkerSummary w : summary.workers()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", w.name());
                    m.put("address", w.address());
                    m.put("nthreads", w.nthreads());
                    m.put("memory_limit", w.memoryLimit());
                    m.put("stored_bytes", w.storedBytes());
                    m.put("spilled_bytes", w.spilledBytes());
                    m.put("processing", w.processing());
                    m.put("pid", w.pid());
                    workers.add(m);
                }
                json.put("worker_list", workers);
                int registered = summary.workers().size();
                pricing(record).ifPresent(p -> json.put("dollars_per_hour", round(p.dollarsPerHour(registered))));
                spent(record).ifPresent(d -> json.put("dollars_spent", round(d)));
            }
            json.put("waiting", waiting(record));
            usage(record).ifPresent(u -> {
                json.put("core_hours", round(u.coreHours()));
                json.put("core_hours_per_hour", u.coreHoursPerHour());
                json.put("core_hours_source", u.source());
            });
            OutputOptions.printJson(out, json);
            return 0;
        }
        out.printf(
                "cluster %s (%s), up %s%n",
                record.name(), record.provider(), ClusterListCommand.age(record.createdAtMillis()));
        out.printf("  scheduler:  %s%n", ClusterListCommand.orDash(record.scheduler()));
        out.printf(
                "  dashboard:  %s%n",
                record.dashboard() == null
                        ? "off"
                        : ClusterCommand.provisioner().dashboardUrl(record, "/"));
        if (record.ownerPid() != 0) {
            out.printf("  owner:      pid %d (stops the cluster when it closes it)%n", record.ownerPid());
        }
        if (summary == null) {
            out.printf(
                    "  %s; %d worker processes are running%n",
                    problem, record.workers().size());
            for (String w : waiting(record)) {
                out.printf("  waiting:    %s%n", w);
            }
            out.flush();
            return 0;
        }
        out.printf("  engine:     %s, %d client(s)%n", summary.engineVersion(), summary.clients());
        out.printf(
                "  tasks:      %d waiting, %d processing, %d in memory, %d erred, %d completed in all%n",
                summary.tasksWaiting(),
                summary.tasksProcessing(),
                summary.tasksInMemory(),
                summary.tasksErred(),
                summary.tasksCompletedTotal());
        out.printf("  workers:    %d registered%n", summary.workers().size());
        for (String w : waiting(record)) {
            out.printf("  waiting:    %s%n", w);
        }
        usage(record)
                .ifPresent(u -> out.printf(
                        "  core-hours: %.2f used, %s per hour now (from %s)%n",
                        u.coreHours(),
                        u.coreHoursPerHour() == Math.rint(u.coreHoursPerHour())
                                ? Long.toString((long) u.coreHoursPerHour())
                                : String.format("%.2f", u.coreHoursPerHour()),
                        u.source()));
        ClusterSummary s = summary;
        pricing(record)
                .ifPresent(p ->
                        out.printf("  cost now:   %s%n", p.estimate(s.workers().size())));
        spent(record).ifPresent(d -> out.printf("  spent:      $%.4f so far (billed seconds, minimums included)%n", d));
        String format = "    %-28s %-21s %7s %10s %10s %10s %8s%n";
        out.printf(format, "NAME", "ADDRESS", "THREADS", "MEMORY", "STORED", "SPILLED", "PID");
        for (WorkerSummary w : summary.workers()) {
            out.printf(
                    format,
                    w.name(),
                    w.address(),
                    w.nthreads(),
                    ByteSize.ofBytes(w.memoryLimit()),
                    ByteSize.ofBytes(w.storedBytes()),
                    ByteSize.ofBytes(w.spilledBytes()),
                    w.pid());
        }
        out.flush();
        return 0;
    }

    /**
     * What the platform says of the nodes it was asked for and has not started (pending jobs,
     * unschedulable pods); a platform that cannot be asked now shows as one line saying so.
     */
    private static List<String> waiting(ClusterRecord record) {
        try {
            var provisioner = ClusterCommand.provisioner();
            return CloudProviders.load().require(record.provider()).waiting(provisioner.context(record));
        } catch (RuntimeException e) {
            return List.of("(the " + record.provider() + " platform could not be asked: " + e.getMessage() + ")");
        }
    }

    /** The core-hours the platform accounts for the cluster, or empty (it does not count them, or cannot be asked). */
    private static java.util.Optional<dev.jcloud.provisioner.ResourceUsage> usage(ClusterRecord record) {
        try {
            var provisioner = ClusterCommand.provisioner();
            return CloudProviders.load().require(record.provider()).usage(provisioner.context(record));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** The cluster's pricing with the user's price overrides, or empty (local, or types the table does not know). */
    private java.util.Optional<dev.jcloud.provisioner.elastic.ClusterPricing> pricing(ClusterRecord record) {
        Map<String, String> options = new java.util.LinkedHashMap<>(record.options());
        common.settings(Map.of(), Map.of())
                .prices()
                .forEach((k, v) -> options.put(
                        dev.jcloud.provisioner.elastic.ClusterPricing.PRICE_PREFIX + k, Double.toString(v)));
        return CloudProviders.load().require(record.provider()).pricing(options);
    }

    /**
     * Dollars spent so far, as the in-cluster controller meters them ({@code jcloud_cost_dollars_total}
     * on the scheduler's {@code /metrics}); empty for clusters without a price or a dashboard.
     */
    private static java.util.Optional<Double> spent(ClusterRecord record) {
        if (record.dashboard() == null) {
            return java.util.Optional.empty();
        }
        try {
            var provisioner = ClusterCommand.provisioner();
            var request = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(provisioner.dashboardUrl(record, "/metrics")))
                    .timeout(java.time.Duration.ofSeconds(3));
            provisioner.dashboardToken(record).ifPresent(t -> request.header("Authorization", "Bearer " + t));
            java.net.http.HttpResponse<String> r = provisioner
                    .dashboardClient(record, java.time.Duration.ofSeconds(2))
                    .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.body()
                    .lines()
                    .filter(l -> l.startsWith("jcloud_cost_dollars_total "))
                    .map(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1).strip()))
                    .findFirst();
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    private static double round(double dollars) {
        return Math.round(dollars * 10_000) / 10_000.0;
    }
}
