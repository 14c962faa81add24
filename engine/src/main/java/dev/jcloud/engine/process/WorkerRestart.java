package dev.jcloud.engine.process;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh worker process in the place of one that exits at its memory limit: the restart Dask's
 * nanny gives its workers, for machines without a start script that loops (local clusters).
 * The new JVM gets this one's JVM options (so a local cluster's process tags, heap and class-data
 * archive), class path and worker arguments, with one restart fewer left; its output goes where
 * this one's went.
 */
final class WorkerRestart {

    static final String OPTION = "--memory-restarts";

    private WorkerRestart() {}

    /** Starts the replacement; it outlives this process. */
    static Process start(List<String> workerArgs, int restartsLeft) throws IOException {
        return new ProcessBuilder(command(
                        javaBinary(),
                        ManagementFactory.getRuntimeMXBean().getInputArguments(),
                        System.getProperty("java.class.path"),
                        workerArgs,
                        restartsLeft))
                .inheritIO()
                .start();
    }

    /**
     * {@code java [jvm options] -cp CLASSPATH EngineMain worker [args]} with {@value #OPTION}
     * set to {@code restartsLeft}. A class-data archive being recorded is not recorded again: the
     * replacement would write over the file its launcher is about to check.
     */
    static List<String> command(
            String java, List<String> jvmOptions, String classpath, List<String> workerArgs, int restartsLeft) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String o : jvmOptions) {
            if (!o.startsWith("-XX:ArchiveClassesAtExit")) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(EngineMain.class.getName());
        cmd.add("worker");
        // Parsed within a whole command tree, the arguments start with the command's own name.
        int first = !workerArgs.isEmpty() && workerArgs.get(0).equals("worker") ? 1 : 0;
        for (int i = first; i < workerArgs.size(); i++) {
            String a = workerArgs.get(i);
            if (a.equals(OPTION)) {
                i++; // its value follows
            } else if (!a.startsWith(OPTION + "=")) {
                cmd.add(a);
            }
        }
        cmd.add(OPTION);
        cmd.add(Integer.toString(restartsLeft));
        return cmd;
    }

    private static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
