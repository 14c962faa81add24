package dev.jcloud.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.bench.BenchResult;
import dev.jcloud.engine.bench.EngineBenchmarks;
import dev.jcloud.providers.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcloud bench flat|tree}: engine throughput on a fresh local cluster, optionally beside Dask. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measure the engine on a fresh local cluster of W workers x 1 thread.",
            "The shapes:",
            "  flat     N independent no-op tasks (client.map), waiting for all.",
            "  tree     A binary reduction over N leaves (2N-1 tasks), one result gathered.",
            "  latency  One task and its result, N times one after another: the median.",
            "  startup  Seconds from starting W workers until all are registered.",
            "  transfer 64 tasks make S-MiB byte[] results and 64 more read two each (half across workers):"
                    + " MiB/s = 64*S / seconds, for each --size-mib S.",
            "  gather   16 tasks make S-MiB results and the client gathers them: MiB/s = 16*S / seconds.",
            "  scatter  The client scatters 16 S-MiB byte[] values and a task reads each: MiB/s = 16*S / seconds.",
            "  alltoall 16 tasks make S-MiB results and 16 more each read all of them: MiB/s = 16*S / seconds.",
            "  args     client.map over 16 S-MiB byte[] arguments, each task returning a length: MiB/s = 16*S / seconds.",
            "With --repeat R the shape runs R times on the same cluster: the first run is on fresh JVMs,"
                    + " later ones show the engine after the JIT has compiled it.",
            "The data shapes (transfer to args) show the best and the median of --rounds rounds per run on the"
                    + " warm cluster; gather, scatter,"
                    + " alltoall and args run the same number of rounds on Dask (transfer's Dask side is dask_anchor.py:"
                    + " best of 3)."
        })
final class BenchCommand implements Callable<Integer> {

    /** The benchmark shapes. */
    enum Shape {
        flat,
        tree,
        latency,
        startup,
        transfer,
        gather,
        scatter,
        alltoall,
        args;

        /** Shapes that move S-MiB values, measured in MiB/s for each --size-mib. */
        boolean movesData() {
            return this != flat && this != tree && this != latency && this != startup;
        }

        /** Values of S MiB each round moves. */
        int blocks() {
            return this == transfer ? EngineBenchmarks.TRANSFER_BLOCKS : EngineBenchmarks.MOVED_BLOCKS;
        }
    }

    /** The Dask side of the data shapes dask_anchor.py does not have, run by the same Python. */
    private static final String DASK_DATA_SHAPES = "dask_data_shapes.py";

    private static final String PYTHON = "/usr/bin/python3";

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Parameters(
            index = "0",
            paramLabel = "SHAPE",
            description = "flat, tree, latency, startup, transfer, gather, scatter, alltoall or args.")
    Shape shape;

    @Option(
            names = "--tasks",
            paramLabel = "N",
            defaultValue = "100000",
            description = "Tasks (flat) or leaves (tree) (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(
            names = "--size-mib",
            paramLabel = "S",
            split = ",",
            defaultValue = "8",
            description = "Data shapes: MiB per value, one or more separated by commas, e.g. 1,8,32"
                    + " (default: ${DEFAULT-VALUE}).")
    List<Integer> sizesMib;

    @Option(
            names = "--workers",
            paramLabel = "W",
            defaultValue = "2",
            description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(
            names = "--repeat",
            paramLabel = "R",
            defaultValue = "1",
            description = "Runs on the same cluster (default: ${DEFAULT-VALUE}); the first is cold.")
    int repeat;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            description = "Data shapes: rounds per run, of which the best and the median are shown"
                    + " (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--jvm-options",
            paramLabel = "OPTS",
            defaultValue = "",
            description =
                    "Extra JVM options for the cluster's processes, separated by spaces (to measure their effect).")
    String jvmOptions;

    @Option(
            names = "--tls",
            description = "Data shapes: a cluster with mutual TLS, as cloud clusters are (data then"
                    + " moves over TLS bulk connections).")
    boolean tls;

    @Option(
            names = "--compare-dask",
            description = "Also run the same shape on Dask (needs --dask-anchor and python3-distributed).")
    boolean compareDask;

    @Option(
            names = "--dask-anchor",
            paramLabel = "FILE",
            description = "Path of dask_anchor.py (e.g. ../shared/bench/dask_anchor.py).")
    Path daskAnchor;

    @Override
    public Integer call() throws Exception {
        if (tasks < 1) {
            throw new IllegalArgumentException("--tasks must be >= 1 (was " + tasks + ")");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1 (was " + workers + ")");
        }
        if (compareDask && daskAnchor == null) {
            throw new IllegalArgumentException("--compare-dask needs --dask-anchor FILE, the path of dask_anchor.py");
        }
        if (daskAnchor != null && !Files.isRegularFile(daskAnchor)) {
            throw new IllegalArgumentException("--dask-anchor: file " + daskAnchor + " does not exist");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat must be >= 1 (was " + repeat + ")");
        }
        if (rounds < 1 || rounds > 1000) {
            throw new IllegalArgumentException("--rounds must be 1..1000 (was " + rounds + ")");
        }
        if (shape.movesData()) {
            return moveData();
        }
        List<BenchResult> runs = measure();
        BenchResult result = runs.get(0);
        Map<String, Object> json = toJson(result);
        json.put("workers", workers);
        if (schedulerPeakRss > 0) {
            json.put("scheduler_peak_rss_bytes", schedulerPeakRss);
        }
        if (runs.size() > 1) {
            json.put("runs", runs.stream().map(BenchCommand::toJson).toList());
            json.put(
                    "best_tasks_per_s",
                    runs.stream()
                            .mapToLong(r -> Math.round(r.tasksPerSecond()))
                            .max()
                            .orElse(0));
        }
        boolean daskHasShape = shape != Shape.latency;
        JsonNode dask = (compareDask || daskAnchor != null) && daskHasShape ? runDask() : null;
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            if (dask != null) {
                json.put("dask", dask);
                json.put("ratio", ratio(result, dask));
            }
            OutputOptions.printJson(out, json);
            return 0;
        }
        String format = "%-7s %-8s run %d %,10d tasks %10.6f s %,12.0f tasks/s%n";
        for (int i = 0; i < runs.size(); i++) {
            BenchResult r = runs.get(i);
            if (shape == Shape.latency) {
                out.printf(
                        "jcloud  latency  run %d  p50 %.3f ms over %,d round trips%n",
                        i + 1, r.seconds() * 1000, r.tasks());
            } else if (shape == Shape.startup) {
                out.printf(
                        "jcloud  startup  run %d  %d workers registered after %.2f s%n", i + 1, r.tasks(), r.seconds());
            } else {
                out.printf(format, "jcloud", r.shape(), i + 1, r.tasks(), r.seconds(), r.tasksPerSecond());
            }
        }
        if (schedulerPeakRss > 0) {
            out.printf("scheduler peak RSS: %,d MiB%n", schedulerPeakRss >> 20);
        }
        if ((compareDask || daskAnchor != null) && !daskHasShape) {
            out.println("(dask_anchor.py has no latency shape: no Dask figure)");
        }
        if (dask != null && shape == Shape.startup) {
            out.printf(
                    "dask    startup  run 1  %d workers registered after %.2f s%n",
                    dask.path("workers").asInt(), dask.path("seconds").asDouble());
        } else if (dask != null) {
            out.printf(
                    format,
                    "dask",
                    dask.path("shape").asText(),
                    1,
                    dask.path("tasks").asLong(),
                    dask.path("seconds").asDouble(),
                    dask.path("tasks_per_s").asDouble());
            out.printf(
                    shape == Shape.startup
                            ? "jcloud start-up time / dask's: %.2fx%n"
                            : "jcloud / dask, first run: %.1fx%n",
                    shape == Shape.startup ? 1 / ratio(result, dask) : ratio(result, dask));
        }
        out.flush();
        return 0;
    }

    /** The data shapes: every size on one warm cluster, then (with --dask-anchor) on Dask. */
    private int moveData() throws Exception {
        for (int s : sizesMib) {
            if (s < 1 || s > 1024) {
                throw new IllegalArgumentException("--size-mib must be 1..1024 (was " + s + ")");
            }
        }
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(workers)
                        .nthreads(1)
                        .classpath(LocalCluster.engineClasspath())
                        .jvmOptions(jvmOptions)
                        .tls(tls)
                        .build();
                Client client = cluster.connect()) {
            for (int s : sizesMib) {
                for (int i = 0; i < repeat; i++) {
                    BenchResult r = switch (shape) {
                        case gather -> EngineBenchmarks.gather(client, s, rounds);
                        case scatter -> EngineBenchmarks.scatter(client, s, rounds);
                        case alltoall -> EngineBenchmarks.alltoall(client, s, rounds);
                        case args -> EngineBenchmarks.args(client, s, rounds);
                        default -> EngineBenchmarks.transfer(client, s, rounds);
                    };
                    Map<String, Object> row = toJson(r);
                    row.put("mib_each", s);
                    row.put("rounds", rounds);
                    row.put("median_seconds", Math.round(r.median() * 1000) / 1000.0);
                    row.put("mib_per_s", mibPerSecond(s, r.seconds()));
                    rows.add(row);
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> json = new java.util.ArrayList<>();
        for (Map<String, Object> row : rows) {
            int s = (Integer) row.get("mib_each");
            Map<String, Object> entry = new LinkedHashMap<>(row);
            JsonNode dask = null;
            if ((compareDask || daskAnchor != null)
                    && !json.stream().anyMatch(e -> e.get("mib_each").equals(s))) {
                dask = shape == Shape.transfer ? runDask(Integer.toString(s)) : runDaskDataShape(s);
                double theirs = dask.path("mib_per_s").asDouble();
                entry.put("dask", dask);
                entry.put("ratio", theirs > 0 ? Math.round((Double) row.get("mib_per_s") / theirs * 100) / 100.0 : 0);
                if (dask.has("median_seconds")) {
                    entry.put(
                            "median_ratio",
                            Math.round(dask.path("median_seconds").asDouble()
                                            / (Double) row.get("median_seconds")
                                            * 100)
                                    / 100.0);
                }
            }
            json.add(entry);
            if (!output.json()) {
                out.printf(
                        "jcloud  %-8s %4d MiB x %-3d %8.3f s  %,10.1f MiB/s   median of %d: %.3f s%n",
                        shape,
                        s,
                        shape.blocks(),
                        (Double) row.get("seconds"),
                        (Double) row.get("mib_per_s"),
                        rounds,
                        (Double) row.get("median_seconds"));
                if (dask != null) {
                    out.printf(
                            "dask    %-8s %4d MiB x %-3d %8.3f s  %,10.1f MiB/s   jcloud / dask: %.2fx%s%n",
                            shape,
                            s,
                            shape.blocks(),
                            dask.path("seconds").asDouble(),
                            dask.path("mib_per_s").asDouble(),
                            (Double) entry.get("ratio"),
                            entry.containsKey("median_ratio")
                                    ? String.format(
                                            "   median of %d: %.3f s, jcloud / dask %.2fx",
                                            dask.path("rounds").asInt(),
                                            dask.path("median_seconds").asDouble(),
                                            (Double) entry.get("median_ratio"))
                                    : "");
                }
            }
        }
        if (output.json()) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("shape", shape.name());
            all.put("workers", workers);
            all.put("runs", json);
            OutputOptions.printJson(out, all);
        }
        out.flush();
        return 0;
    }

    private double mibPerSecond(int mib, double seconds) {
        return Math.round(shape.blocks() * mib / seconds * 10) / 10.0;
    }

    /** The runs of this shape: on one cluster, or (startup) one fresh cluster per run. */
    private List<BenchResult> measure() throws Exception {
        List<BenchResult> runs = new java.util.ArrayList<>();
        // The benchmark tasks are the engine's own: the workers need none of the CLI's other jars.
        String classpath = LocalCluster.engineClasspath();
        if (shape == Shape.startup) {
            for (int i = 0; i < repeat; i++) {
                long t0 = System.nanoTime();
                LocalCluster cluster = LocalCluster.builder()
                        .workers(workers)
                        .nthreads(1)
                        .classpath(classpath)
                        .jvmOptions(jvmOptions)
                        .build();
                // Timed up to registered workers: stopping the cluster is not part of start-up.
                runs.add(new BenchResult("startup", workers, (System.nanoTime() - t0) / 1e9));
                cluster.close();
            }
            return runs;
        }
        try (LocalCluster cluster = LocalCluster.builder()
                        .workers(workers)
                        .nthreads(1)
                        .classpath(classpath)
                        .jvmOptions(jvmOptions)
                        .build();
                Client client = cluster.connect()) {
            for (int i = 0; i < repeat; i++) {
                var r = switch (shape) {
                    case flat -> EngineBenchmarks.flat(client, tasks);
                    case tree -> EngineBenchmarks.tree(client, tasks);
                    default -> EngineBenchmarks.latency(client, tasks);
                };
                runs.add(r);
            }
            schedulerPeakRss = peakRss(cluster.processIds().get(0));
        }
        return runs;
    }

    private long schedulerPeakRss;

    /** VmHWM of a process on Linux, in bytes; 0 where /proc is not there. */
    static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or the process is gone: no figure.
        }
        return 0;
    }

    static Map<String, Object> toJson(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", r.shape());
        m.put("tasks", r.tasks());
        m.put("seconds", r.shape().equals("latency_p50") ? r.seconds() : Math.round(r.seconds() * 1000) / 1000.0);
        if (!r.shape().equals("startup") && !r.shape().equals("latency_p50")) {
            m.put("tasks_per_s", Math.round(r.tasksPerSecond()));
        }
        return m;
    }

    private static double ratio(BenchResult r, JsonNode dask) {
        if (r.shape().equals("startup")) {
            return Math.round(dask.path("seconds").asDouble() / r.seconds() * 100) / 100.0;
        }
        double theirs = dask.path("tasks_per_s").asDouble();
        return theirs > 0 ? Math.round(r.tasksPerSecond() / theirs * 10) / 10.0 : Double.NaN;
    }

    /** Runs dask_anchor.py; its last line is one JSON object. */
    private JsonNode runDask() throws IOException, InterruptedException {
        return runDask(shape == Shape.startup ? Integer.toString(workers) : Integer.toString(tasks));
    }

    private JsonNode runDask(String size) throws IOException, InterruptedException {
        return runPython(daskAnchor, shape.name(), size);
    }

    /**
     * The same shape on Dask, from the script bundled with this command (dask_anchor.py has only
     * transfer among the data shapes), written to a temporary file for the run.
     */
    private JsonNode runDaskDataShape(int mib) throws IOException, InterruptedException {
        Path script = Files.createTempFile("jcloud-dask-", ".py");
        try (var in = BenchCommand.class.getResourceAsStream(DASK_DATA_SHAPES)) {
            if (in == null) {
                throw new IllegalStateException(DASK_DATA_SHAPES + " is missing from the CLI's jar");
            }
            Files.write(script, in.readAllBytes());
            return runPython(script, shape.name(), Integer.toString(mib), Integer.toString(rounds));
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private JsonNode runPython(Path file, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new UserFailure(
                    PYTHON + " is missing: install Debian's Dask with 'apt-get install -y python3-distributed'");
        }
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, file.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            List<String> lines = text.lines().toList();
            throw new UserFailure(file.getFileName() + " failed (is python3-distributed installed?):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())));
        }
        List<String> lines = text.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) {
            throw new UserFailure(file.getFileName() + " printed no JSON result:\n" + text);
        }
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
}
