package dev.jcloud.providers.testing;

import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.UpPlan;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code procs}: a cluster's scheduler and workers as processes on this machine, found again from
 * any process by the tags on their command lines ({@code -Djcloud.cluster-id=...}); the process
 * table is its cloud. It is the smallest provider with discovery, gc and a hard worker maximum,
 * and it lives in a module of its own with nothing but its services file to register it.
 *
 * <p>The scheduler's port is chosen at launch and carried as a tag too, so that a process that did
 * not start the cluster reaches it; workers start alongside the scheduler and retry until it listens.
 */
public final class ProcsProvider implements CloudProvider {

    static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";
    /** Tag on the scheduler's command line: the port it listens on. */
    static final String PORT_TAG = "jcloud.procs.port";

    private static final Duration TERM_GRACE = Duration.ofSeconds(5);

    /** Processes started here, by pid: alive nodes even before their command line shows the tags. */
    private final Map<Long, Tagged> started = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "procs";
    }

    @Override
    public String description() {
        return "Processes on this machine under their own name (a provider in a module of its own).";
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(ProcsSettings.SECTION);
    }

    /** Processes on this machine: no TLS by default, and an in-cluster controller only when adaptive. */
    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public void validate(ClusterContext cluster) {
        ProcsSettings.of(cluster);
    }

    @Override
    public List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        ProcsSettings settings = ProcsSettings.of(cluster);
        return new UpPlan.Builder()
                .create("log directory " + logDir(cluster), "none (files)", "one log per process")
                .launch(
                        "scheduler process " + ClusterNames.scheduler(cluster.name()),
                        settings.java() + " " + MAIN_CLASS + " scheduler",
                        "listens on 127.0.0.1 only")
                .launch(
                        workers + " worker process(es)",
                        settings.java() + " " + MAIN_CLASS + " worker",
                        "at most " + settings.maxWorkers() + " (" + ProcsSettings.MAX_WORKERS + ")")
                .steps();
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        ProcsSettings.of(cluster);
        try {
            Files.createDirectories(logDir(cluster));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logDir(cluster) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        ProcsSettings settings = ProcsSettings.of(cluster);
        if (request.role() == NodeRole.WORKER) {
            long running = nodes(cluster).stream()
                    .filter(n -> n.role() == NodeRole.WORKER)
                    .count();
            if (running + request.nodes().size() > settings.maxWorkers()) {
                throw new ProvisionException("cluster " + cluster.name() + " would have "
                        + (running + request.nodes().size()) + " workers, more than its maximum of "
                        + settings.maxWorkers() + " (" + ProcsSettings.MAX_WORKERS + ")");
            }
        }
        bootstrap(cluster); // the log directory, also for a cluster found by another process
        List<Node> out = new ArrayList<>();
        for (LaunchRequest.NodeLaunch n : request.nodes()) {
            List<String> cmd = new ArrayList<>();
            cmd.add(settings.java());
            cmd.add("-D" + ClusterContext.NAME_TAG + "=" + cluster.name());
            cmd.add("-D" + ClusterContext.ID_TAG + "=" + cluster.id());
            cmd.add("-D" + ClusterContext.NODE_TAG + "=" + n.name());
            cmd.add("-D" + ClusterContext.ROLE_TAG + "=" + request.role().label());
            List<String> engineFlags = new ArrayList<>(List.of("--host", "127.0.0.1"));
            Integer port = null;
            if (request.role() == NodeRole.SCHEDULER) {
                port = freeLoopbackPort();
                cmd.add("-D" + PORT_TAG + "=" + port);
                engineFlags.addAll(List.of("--port", Integer.toString(port), "--dashboard-port", "0"));
            }
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-XX:TieredStopAtLevel=1");
            cmd.add("-cp");
            cmd.add(settings.classpath());
            cmd.add(MAIN_CLASS);
            cmd.addAll(n.command().arguments());
            cmd.addAll(engineFlags);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(cluster.workDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            logDir(cluster).resolve(n.name() + ".log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            try {
                Process p = pb.start();
                Node node = new Node(Long.toString(p.pid()), n.name(), request.role());
                started.put(p.pid(), new Tagged(cluster.name(), cluster.id(), node, Instant.now(), port));
                out.add(node);
            } catch (IOException e) {
                throw new ProvisionException(
                        "cannot start " + n.name() + " with " + settings.java() + ": " + e.getMessage() + " (set "
                                + ProcsSettings.JAVA + ")",
                        e);
            }
        }
        return out;
    }

    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        return tagged(Long.parseLong(scheduler.id())).map(t -> t.port).map(p -> "127.0.0.1:" + p);
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        long pid = Long.parseLong(scheduler.id());
        while (true) {
            Optional<Tagged> t = tagged(pid).filter(x -> x.clusterId.equals(cluster.id()));
            if (t.isEmpty()) {
                throw new ProvisionException(
                        "the scheduler (pid " + pid + ") exited before listening" + tail(cluster, scheduler));
            }
            if (t.get().port != null && listens(t.get().port)) {
                return new SchedulerEndpoint("127.0.0.1:" + t.get().port, null);
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException(
                        "the scheduler (pid " + pid + ") did not listen in time" + tail(cluster, scheduler));
            }
            sleep(Duration.ofMillis(20));
        }
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        return all().stream()
                .filter(t -> t.clusterId.equals(cluster.id()))
                .map(t -> t.node)
                .toList();
    }

    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (Node n : nodes) {
            long pid = Long.parseLong(n.id());
            // Only a process that is still this cluster's node: a reused pid is left alone.
            if (tagged(pid).filter(t -> t.clusterId.equals(cluster.id())).isPresent()) {
                ProcessHandle.of(pid).ifPresent(handles::add);
            }
        }
        handles.forEach(ProcessHandle::destroy);
        List<ProcessHandle> left = awaitExit(handles);
        left.forEach(ProcessHandle::destroyForcibly);
        if (!awaitExit(left).isEmpty()) {
            throw new ProvisionException("processes of cluster " + cluster.name() + " did not exit after kill -9");
        }
    }

    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        started.values().removeIf(t -> t.clusterId.equals(cluster.id()) && !alive(t.node));
    }

    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        Map<String, ClusterContext> found = new HashMap<>();
        for (Tagged t : all()) {
            if (t.node.role() == NodeRole.SCHEDULER) {
                found.putIfAbsent(
                        t.clusterId,
                        new ClusterContext(
                                t.clusterName,
                                t.clusterId,
                                Path.of(System.getProperty("java.io.tmpdir"), "jcloud-procs", t.clusterId),
                                options));
            }
        }
        return List.copyOf(found.values());
    }

    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        List<Tagged> all = all();
        List<String> live = all.stream()
                .filter(t -> t.node.role() == NodeRole.SCHEDULER)
                .map(t -> t.clusterId)
                .toList();
        Instant youngest = Instant.now().minus(minAge);
        List<GcReport.Item> items = new ArrayList<>();
        Map<String, List<Node>> doomed = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        for (Tagged t : all) {
            if (!live.contains(t.clusterId) && !t.started.isAfter(youngest)) {
                items.add(new GcReport.Item(t.clusterName, t.clusterId, "process", t.node.id()));
                doomed.computeIfAbsent(t.clusterId, k -> new ArrayList<>()).add(t.node);
                names.put(t.clusterId, t.clusterName);
            }
        }
        if (!dryRun) {
            doomed.forEach((id, nodes) -> terminate(
                    new ClusterContext(names.get(id), id, Path.of(System.getProperty("java.io.tmpdir")), options),
                    nodes));
        }
        return new GcReport(items, !dryRun);
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        Path log = logDir(cluster).resolve(node.name() + ".log");
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "";
        }
    }

    // ------------------------------------------------------------------ the process table

    /** A process carrying jcloud's tags. */
    private record Tagged(String clusterName, String clusterId, Node node, Instant started, Integer port) {}

    /** Every live tagged process: those whose command line carries the tags, and those started here. */
    private List<Tagged> all() {
        Map<Long, Tagged> out = new HashMap<>();
        ProcessHandle.allProcesses().forEach(ph -> fromCommandLine(ph).ifPresent(t -> out.put(ph.pid(), t)));
        started.entrySet().removeIf(e -> !running(e.getKey()));
        started.forEach(out::putIfAbsent);
        return List.copyOf(out.values());
    }

    private Optional<Tagged> tagged(long pid) {
        Optional<Tagged> fromTable =
                ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(ph -> fromCommandLine(ph));
        if (fromTable.isPresent()) {
            return fromTable;
        }
        Tagged ours = started.get(pid);
        // Started here but not exec'd yet: its port is known only from the command line, so ask again later.
        return ours != null && running(pid) ? Optional.of(ours) : Optional.empty();
    }

    /**
     * Whether {@code pid} runs: alive and not a zombie. A process started here and killed from
     * another provider instance stays this JVM's unreaped child for a moment, alive to {@link
     * ProcessHandle} and without a command line, like one not exec'd yet; the process table's state
     * tells them apart.
     */
    private static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (command) S ...": the state follows the last ')' (the command may contain one).
            char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            // Gone meanwhile, or no /proc on this system (then ProcessHandle's answer stands).
            return !Files.isDirectory(Path.of("/proc", "self"));
        }
    }

    private static Optional<Tagged> fromCommandLine(ProcessHandle ph) {
        Map<String, String> tags = tags(ph);
        String id = tags.get(ClusterContext.ID_TAG);
        String name = tags.get(ClusterContext.NAME_TAG);
        String node = tags.get(ClusterContext.NODE_TAG);
        String role = tags.get(ClusterContext.ROLE_TAG);
        if (id == null || name == null || node == null || role == null) {
            return Optional.empty();
        }
        String port = tags.get(PORT_TAG);
        return Optional.of(new Tagged(
                name,
                id,
                new Node(Long.toString(ph.pid()), node, NodeRole.valueOf(role.toUpperCase(Locale.ROOT))),
                ph.info().startInstant().orElse(Instant.EPOCH),
                port == null ? null : Integer.valueOf(port)));
    }

    /**
     * The {@code -Djcloud.*} tags on a process's command line, read from {@code /proc/<pid>/cmdline}
     * ({@code ProcessHandle.Info.arguments()} gives up on command lines longer than 4 KiB, and
     * ours carry a long class path); empty for a process that is not ours or cannot be read.
     */
    static Map<String, String> tags(ProcessHandle ph) {
        Map<String, String> tags = new HashMap<>();
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc", Long.toString(ph.pid()), "cmdline"));
        } catch (IOException | RuntimeException e) {
            return tags; // gone, or not ours to read
        }
        for (String a : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            if (a.equals(MAIN_CLASS)) {
                break; // engine arguments follow; they are not tags
            }
            if (a.startsWith("-Djcloud.")) {
                int eq = a.indexOf('=');
                if (eq > 0) {
                    tags.put(a.substring(2, eq), a.substring(eq + 1));
                }
            }
        }
        return tags;
    }

    private static boolean alive(Node node) {
        return running(Long.parseLong(node.id()));
    }

    private static Path logDir(ClusterContext cluster) {
        return cluster.workDir().resolve("logs");
    }

    private String tail(ClusterContext cluster, Node node) {
        String tail = logTail(cluster, node, 20);
        return tail.isBlank()
                ? "; its log is empty"
                : "; last lines of its log:\n" + tail.indent(2).stripTrailing();
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        }
    }

    private static List<ProcessHandle> awaitExit(List<ProcessHandle> handles) {
        CompletableFuture<?>[] exits =
                handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // some are still alive: returned below
        }
        return handles.stream().filter(ProcessHandle::isAlive).toList();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while waiting for the scheduler", e);
        }
    }
}
