package dev.jcloud.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.engine.api.Client;
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
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure tasks per second on a fresh local cluster of W workers x 1 thread.",
                "  flat  N independent no-op tasks (client.map), waiting for all",
                "  tree  a binary reduction over N leaves (2N-1 tasks), one result gathered"})
final class BenchCommand implements Callable<Integer> {

    /** The benchmark shapes. */
    enum Shape { flat, tree }

    /** One measurement (a copy of the engine's result, so this command depends only on its accessors). */
    record Measured(String shape, long tasks, double seconds) {
        double tasksPerSecond() {
            return seconds > 0 ? tasks / seconds : 0;
        }
    }

    private static final String PYTHON = "/usr/bin/python3";

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Parameters(index = "0", paramLabel = "SHAPE", description = "flat or tree.")
    Shape shape;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "100000",
            description = "Tasks (flat) or leaves (tree) (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--workers", paramLabel = "W", defaultValue = "2", description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--compare-dask", description = "Also run the same shape on Dask (needs --dask-anchor and python3-distributed).")
    boolean compareDask;

    @Option(names = "--dask-anchor", paramLabel = "FILE", description = "Path of dask_anchor.py (e.g. ../shared/bench/dask_anchor.py).")
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
        Measured result;
        try (LocalCluster cluster = LocalCluster.builder().workers(workers).nthreads(1).build();
             Client client = cluster.connect()) {
            var r = shape == Shape.flat ? EngineBenchmarks.flat(client, tasks) : EngineBenchmarks.tree(client, tasks);
            result = new Measured(r.shape(), r.tasks(), r.seconds());
        }
        Map<String, Object> json = toJson(result);
        json.put("workers", workers);
        JsonNode dask = compareDask || daskAnchor != null ? runDask() : null;
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            if (dask != null) {
                json.put("dask", dask);
                json.put("ratio", ratio(result, dask));
            }
            OutputOptions.printJson(out, json);
            return 0;
        }
        String format = "%-7s %-5s %,10d tasks %8.3f s %,12.0f tasks/s%n";
        out.printf(format, "jcloud", result.shape(), result.tasks(), result.seconds(), result.tasksPerSecond());
        if (dask != null) {
            out.printf(format, "dask", dask.path("shape").asText(), dask.path("tasks").asLong(),
                    dask.path("seconds").asDouble(), dask.path("tasks_per_s").asDouble());
            out.printf("jcloud / dask: %.1fx%n", ratio(result, dask));
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> toJson(Measured r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", r.shape());
        m.put("tasks", r.tasks());
        m.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        m.put("tasks_per_s", Math.round(r.tasksPerSecond()));
        return m;
    }

    private static double ratio(Measured r, JsonNode dask) {
        double theirs = dask.path("tasks_per_s").asDouble();
        return theirs > 0 ? Math.round(r.tasksPerSecond() / theirs * 10) / 10.0 : Double.NaN;
    }

    /** Runs dask_anchor.py; its last line is one JSON object. */
    private JsonNode runDask() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new UserFailure(PYTHON + " is missing: install Debian's Dask with 'apt-get install -y python3-distributed'");
        }
        Process p = new ProcessBuilder(List.of(PYTHON, daskAnchor.toString(), shape.name(), Integer.toString(tasks)))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            List<String> lines = text.lines().toList();
            throw new UserFailure("dask_anchor.py failed (is python3-distributed installed?):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())));
        }
        List<String> lines = text.lines().filter(l -> l.startsWith("{")).toList();
        if (lines.isEmpty()) {
            throw new UserFailure("dask_anchor.py printed no JSON result:\n" + text);
        }
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
}
