package dev.jcloud.providers.aws;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the short system commands the end-to-end harness needs ({@code ip} from iproute2), each
 * with a deadline, and returns or reports their output.
 */
final class NetnsCommands {

    /** Longest any one {@code ip} call may take; they normally take milliseconds. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private NetnsCommands() {}

    /** The {@code ip} program: on PATH, else where iproute2 installs it. */
    static Optional<String> ip() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            File f = new File(dir, "ip");
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Runs {@code argv}; fails, with its output, unless it exits with 0 in time. */
    static String run(String... argv) {
        Result r = tryRun(argv);
        if (!r.ok()) {
            throw new IllegalStateException("'" + String.join(" ", argv) + "' failed with exit code " + r.exitCode()
                    + ": " + r.output().strip());
        }
        return r.output();
    }

    /** Runs {@code argv} and returns its result; a command that overruns {@link #TIMEOUT} is killed (exit -1). */
    static Result tryRun(String... argv) {
        Path out = null;
        try {
            out = Files.createTempFile("netns-cmd-", ".out");
            Process p = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + TIMEOUT.toSeconds() + " s: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "could not run " + argv[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temp file; nothing else depends on it
                }
            }
        }
    }

    /**
     * Stops a process tree we started: SIGTERM to the process and its descendants (as a machine's
     * shutdown would), then SIGKILL to whatever is left after {@code grace}. Returns the handles of
     * the processes that were still alive when this began.
     */
    static List<ProcessHandle> stopTree(ProcessHandle root, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        root.descendants().forEach(all::add);
        all.add(root);
        List<ProcessHandle> alive = all.stream().filter(ProcessHandle::isAlive).toList();
        alive.forEach(ProcessHandle::destroy);
        long end = System.nanoTime() + grace.toNanos();
        while (alive.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < end) {
            sleep(50);
        }
        alive.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        return alive;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
