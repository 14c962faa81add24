package dev.jcloud.cli;

import dev.jcloud.engine.api.Client;
import dev.jcloud.providers.local.LocalCluster;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud example}: the main job. A local cluster, a computation with progress, a clean stop. */
@Command(
        name = "example",
        mixinStandardHelpOptions = true,
        description = {
            "Start a local cluster, estimate pi on it and stop it again.",
            "The estimate is a map of sampling tasks and a task-graph reduction, shown with a progress bar;"
                    + " the command prints the result and the cluster's addresses, then stops the cluster:"
                    + " nothing is left running."
        })
final class ExampleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(
            names = "--workers",
            paramLabel = "N",
            defaultValue = "4",
            description = "Worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(
            names = "--tasks",
            paramLabel = "N",
            defaultValue = "200",
            description = "Sampling tasks (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(
            names = "--samples",
            paramLabel = "N",
            defaultValue = "250000",
            description = "Random points per task (default: ${DEFAULT-VALUE}).")
    int samples;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1 (was " + workers + ")");
        }
        if (tasks < 1) {
            throw new IllegalArgumentException("--tasks must be >= 1 (was " + tasks + ")");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be >= 1 (was " + samples + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Starting a local cluster: a scheduler and %d worker processes...%n", workers);
        out.flush();
        long start = System.nanoTime();
        List<Long> pids;
        String name;
        try (LocalCluster cluster = LocalCluster.builder()
                .workers(workers)
                .nthreads(1)
                .classpath(LocalCluster.engineClasspath(PiEstimate.class))
                .build()) {
            name = cluster.name();
            pids = cluster.processIds();
            out.printf("cluster %s is up in %.1f s%n", name, (System.nanoTime() - start) / 1e9);
            out.printf("  scheduler:  %s%n", cluster.schedulerAddress());
            out.printf(
                    "  dashboard:  %s%n",
                    cluster.dashboardAddress() == null ? "off" : "http://" + cluster.dashboardAddress());
            out.printf(
                    "  metrics:    %s%n",
                    cluster.dashboardAddress() == null ? "off" : "http://" + cluster.dashboardAddress() + "/metrics");
            out.printf("  logs:       %s%n", cluster.logDirectory());
            out.printf(
                    "Estimating pi: %d map tasks of %,d random points, then a tree of tasks that adds up the counts%n",
                    tasks, samples);
            out.flush();
            long t = System.nanoTime();
            PiEstimate.Result result;
            try (Client client = cluster.connect()) {
                PrintStream progress = WriterPrintStream.of(out);
                result = PiEstimate.run(client, tasks, samples, progress);
                progress.flush();
            }
            out.printf(
                    "pi is about %.6f (off by %.6f) from %,d points; %d map + %d graph tasks in %.2f s%n",
                    result.pi(),
                    Math.abs(result.pi() - Math.PI),
                    result.samples(),
                    result.mapTasks(),
                    result.reduceTasks(),
                    (System.nanoTime() - t) / 1e9);
            out.printf("Stopping cluster %s...%n", name);
            out.flush();
        }
        long alive = pids.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .count();
        if (alive > 0) {
            throw new UserFailure(alive + " process(es) of cluster " + name
                    + " are still running: run 'jcloud cluster down " + name + "'");
        }
        out.printf(
                "cluster %s stopped: its scheduler and %d workers have exited; nothing is left running%n",
                name, workers);
        out.flush();
        return 0;
    }
}
