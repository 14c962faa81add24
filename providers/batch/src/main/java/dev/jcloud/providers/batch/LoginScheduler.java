package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The scheduler as a process on the submitting (login) node, as dask-jobqueue runs it: started in
 * a session of its own ({@code setsid}) so that it outlives the shell that ran {@code up}, its
 * output in the shared directory's log. Its node id is {@code login:<host>:<pid>}, and it is alive
 * when that process runs here with the cluster id on its command line (a reused pid is not it).
 */
final class LoginScheduler {

    static final String PREFIX = "login:";
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final Optional<String> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst();

    private LoginScheduler() {}

    /** Starts {@code command} (java and its arguments) detached; returns its node id. */
    static String start(List<String> command, Path log) {
        List<String> cmd = new ArrayList<>();
        SETSID.ifPresent(cmd::add);
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(log.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Commands.RUN.incrementAndGet();
        try {
            Process p = pb.start();
            awaitExec(p, command);
            return PREFIX + host() + ":" + p.pid();
        } catch (IOException e) {
            throw new ProvisionException(
                    "cannot start the scheduler with " + command.get(0) + ": " + e.getMessage()
                            + " (set the java key of the provider's settings)",
                    e);
        }
    }

    /**
     * Waits (briefly) until the new process shows {@code command} itself as its arguments: the JDK
     * starts a child through a helper program that then executes {@code setsid}, which executes
     * the command. Until the last of these has, the process's arguments do not carry the cluster id
     * by which {@link #alive} recognises it, or carry it behind {@code setsid} and are about to
     * change: read during that last exec they are empty for a moment, and the scheduler would
     * look dead. So not "contains the command": "is the command".
     */
    private static void awaitExec(Process p, List<String> command) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.isAlive() && !commandLine(p.pid()).equals(command) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static boolean isLoginNode(String nodeId) {
        return nodeId.startsWith(PREFIX);
    }

    /** Whether the scheduler {@code nodeId} of {@code clusterId} runs (on this host; another host's is unknown). */
    static Optional<Boolean> alive(String nodeId, String clusterId) {
        String[] parts = nodeId.split(":");
        if (parts.length != 3 || !parts[1].equals(host())) {
            return Optional.empty();
        }
        return Optional.of(handle(Long.parseLong(parts[2]), clusterId).isPresent());
    }

    /** Stops the scheduler {@code nodeId} if it runs on this host: TERM, then KILL after a grace period. */
    static void stop(String nodeId, String clusterId) {
        String[] parts = nodeId.split(":");
        if (parts.length != 3 || !parts[1].equals(host())) {
            throw new ProvisionException("the scheduler " + nodeId + " runs on " + (parts.length > 1 ? parts[1] : "?")
                    + ": stop it from there ('jcloud cluster down' on that login node)");
        }
        Optional<ProcessHandle> ph = handle(Long.parseLong(parts[2]), clusterId);
        if (ph.isEmpty()) {
            return;
        }
        ph.get().destroy();
        try {
            ph.get().onExit().get(TERM_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ph.get().destroyForcibly();
            ph.get().onExit().join();
        }
    }

    private static Optional<ProcessHandle> handle(long pid, String clusterId) {
        String tag = "-D" + ClusterContext.ID_TAG + "=" + clusterId;
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(ph -> commandLine(pid).contains(tag));
    }

    /** The process's arguments, from {@code /proc} (ProcessHandle.Info gives up on long class paths). */
    private static List<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new UncheckedIOException(e);
        }
    }
}
