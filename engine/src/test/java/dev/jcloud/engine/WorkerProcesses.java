package dev.jcloud.engine;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Engine roles as real JVM processes, started from the engine's own class path <b>without</b> the
 * test classes: code submitted by a test must reach the workers through the engine's class
 * shipping, as a cloud worker started from the stock engine would need.
 */
public final class WorkerProcesses implements AutoCloseable {

    private final Path logs;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logFiles = new ArrayList<>();

    public WorkerProcesses() throws IOException {
        this.logs = Files.createTempDirectory("jcloud-it-logs-");
    }

    /** Starts {@code EngineMain ROLE args...}; its output goes to a log file. */
    public Process start(String name, List<String> jvmArgs, String... args) throws IOException {
        return startWrapped(name, List.of(), jvmArgs, args);
    }

    /** Starts {@code PREFIX... java ... EngineMain ROLE args...}: {@code prefix} runs the JVM (e.g. in a namespace). */
    public Process startWrapped(String name, List<String> prefix, List<String> jvmArgs, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(engineClasspath());
        cmd.add("dev.jcloud.engine.process.EngineMain");
        cmd.addAll(Arrays.asList(args));
        Path log = logs.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        processes.add(p);
        logFiles.add(log);
        return p;
    }

    public Process worker(String scheduler, String name, int nthreads, String... extra) throws IOException {
        return worker(List.of("-Xmx256m", "-XX:+UseSerialGC"), scheduler, name, nthreads, extra);
    }

    /** A worker on loopback in a JVM started with {@code jvmArgs}. */
    public Process worker(List<String> jvmArgs, String scheduler, String name, int nthreads, String... extra)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "worker", scheduler, "--name", name, "--nthreads", String.valueOf(nthreads), "--host", "127.0.0.1"));
        args.addAll(Arrays.asList(extra));
        return start(name, jvmArgs, args.toArray(new String[0]));
    }

    /** The current class path minus test classes. */
    public static String engineClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.endsWith("test-classes") && !p.contains("test-classes" + File.separator))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** The log file of the process started as {@code name}. */
    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** The last lines of every process log, for failure messages. */
    public String logTails() {
        StringBuilder out = new StringBuilder();
        for (Path log : logFiles) {
            try {
                List<String> lines = Files.readAllLines(log);
                out.append("--- ").append(log.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 20), lines.size())
                        .forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("--- ").append(log).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
