package dev.jcloud.providers.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Clusters as processes on this machine: the scheduler and each worker are separate JVMs on
 * loopback, started from this JVM's java binary and class path.
 *
 * <p>The process table is this provider's cloud: every process carries the cluster's tags as
 * {@code -Djcloud.cluster-id=...} system properties on its command line, so {@link #nodes} finds
 * a cluster's processes from any program, and a reused pid is never mistaken for a node.
 * Process output goes to {@code <workDir>/logs/<node>.log}.
 */
public final class LocalProvider implements CloudProvider {

    static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";
    private static final String ID_PREFIX = "-D" + ClusterContext.ID_TAG + "=";
    private static final String NODE_PREFIX = "-D" + ClusterContext.NODE_TAG + "=";
    private static final String ROLE_PREFIX = "-D" + ClusterContext.ROLE_TAG + "=";
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Processes this provider started, by cluster id. Right after a start the child may not have
     * exec'd java yet (so its command line has no tags); these are alive nodes all the same.
     */
    private final Map<String, Map<Long, Node>> launched = new ConcurrentHashMap<>();
    /** The same processes' handles, for their exit codes in error messages. */
    private final Map<Long, Process> processes = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String description() {
        return "This machine: the scheduler and workers are processes here (the default).";
    }

    /** Processes on this machine: no TLS by default, and a controller only when adaptive. */
    @Override
    public boolean remote() {
        return false;
    }

    /** A JVM starts in a few seconds. */
    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(3);
    }

    @Override
    public List<dev.jcloud.provisioner.UpPlan.Step> plan(ClusterContext cluster, int workers) {
        var plan = new dev.jcloud.provisioner.UpPlan.Builder()
                .create(
                        "state directory " + cluster.workDir(),
                        "none (files)",
                        "process logs, addresses, the engine port");
        if (ClusterTrust.enabled(cluster.options())) {
            plan.create(
                    "the cluster's CA, certificates and dashboard token in " + tlsDir(cluster),
                    "none (files)",
                    "keys 0600 in a 0700 directory");
        }
        return plan.launch(
                        "scheduler process " + dev.jcloud.provisioner.ClusterNames.scheduler(cluster.name()),
                        "java " + MAIN_CLASS + " scheduler",
                        "listens on 127.0.0.1 only")
                .launch(
                        workers + " worker process(es)",
                        "java " + MAIN_CLASS + " worker",
                        "each a JVM of its own on this machine")
                .steps();
    }

    /** Creates the working directory and removes a stale address file of an earlier cluster of the same name. */
    @Override
    public void bootstrap(ClusterContext cluster) {
        try {
            Files.createDirectories(logDir(cluster));
            Files.deleteIfExists(addressFile(cluster));
            Files.writeString(portFile(cluster), Integer.toString(freeLoopbackPort()));
            if (ClusterTrust.enabled(cluster.options())) {
                // A fresh CA per cluster; a cluster of the same name before had its own, now unusable.
                ClusterTrust.create(tlsDir(cluster), cluster.name(), List.of());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + cluster.workDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        Optional<CdsArchives> archives = archives(cluster);
        ClusterTrust trust = ClusterTrust.enabled(cluster.options()) ? ClusterTrust.load(tlsDir(cluster)) : null;
        List<Node> started = new ArrayList<>();
        for (LaunchRequest.NodeLaunch n : request.nodes()) {
            EngineCommand command = withLocalFlags(cluster, n.name(), n.command());
            if (trust != null) {
                // Paths only: the keys stay in their 0600 files, out of every process listing.
                command = (request.role() == NodeRole.SCHEDULER
                                ? trust.scheduler()
                                : trust.issueWorker(n.name(), List.of("127.0.0.1")))
                        .applyTo(command);
                if (request.role() == NodeRole.SCHEDULER) {
                    command = command.with(
                            DashboardLogin.FLAG,
                            DashboardLogin.ensure(tlsDir(cluster)).toString());
                }
            }
            CdsArchives.Plan cds = archives.map(a -> a.plan(request.role())).orElse(CdsArchives.Plan.NONE);
            ProcessBuilder pb = new ProcessBuilder(commandLine(cluster, n.name(), command, cds.jvmOptions()))
                    .directory(cluster.workDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            logFile(cluster, n.name()).toFile()));
            // No inherited stdin: the engine never reads it, and a detached process must not hold the terminal.
            File devNull = new File("/dev/null");
            if (devNull.exists()) {
                pb.redirectInput(ProcessBuilder.Redirect.from(devNull));
            }
            try {
                Process p = pb.start();
                cds.started(p.pid());
                Node node = new Node(Long.toString(p.pid()), n.name(), request.role());
                launched.computeIfAbsent(cluster.id(), k -> new ConcurrentHashMap<>())
                        .put(p.pid(), node);
                processes.put(p.pid(), p);
                p.onExit().thenRun(() -> processes.remove(p.pid(), p));
                started.add(node);
            } catch (IOException e) {
                cds.failed();
                throw new ProvisionException(
                        "cannot start " + n.name() + " with " + pb.command().get(0) + ": " + e.getMessage(), e);
            }
        }
        return started;
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        Path file = addressFile(cluster);
        while (true) {
            Optional<SchedulerEndpoint> endpoint = readAddressFile(file, scheduler);
            if (endpoint.isPresent()) {
                return endpoint.get();
            }
            if (!isRunning(cluster, scheduler)) {
                throw new ProvisionException("the scheduler (pid " + scheduler.id() + ") exited before listening"
                        + tailMessage(cluster, scheduler));
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("the scheduler (pid " + scheduler.id()
                        + ") did not start listening in time" + tailMessage(cluster, scheduler));
            }
            sleepMillis(5);
        }
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        String idArg = ID_PREFIX + cluster.id();
        List<Node> found = new ArrayList<>(ProcessHandle.allProcesses()
                .map(ph -> toNode(ph, idArg))
                .flatMap(Optional::stream)
                .toList());
        Map<Long, Node> ours = launched.get(cluster.id());
        if (ours != null) {
            Set<String> seen = new HashSet<>();
            found.forEach(n -> seen.add(n.id()));
            ours.entrySet()
                    .removeIf(e -> !ProcessHandle.of(e.getKey())
                            .map(ProcessHandle::isAlive)
                            .orElse(false));
            ours.values().stream().filter(n -> !seen.contains(n.id())).forEach(found::add);
        }
        return found;
    }

    private boolean isRunning(ClusterContext cluster, Node node) {
        Map<Long, Node> ours = launched.get(cluster.id());
        if (ours != null && ours.containsKey(Long.parseLong(node.id()))) {
            return ProcessHandle.of(Long.parseLong(node.id()))
                    .map(ProcessHandle::isAlive)
                    .orElse(false);
        }
        return handle(cluster, node).isPresent();
    }

    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        Map<Long, Node> ours = launched.getOrDefault(cluster.id(), Map.of());
        List<ProcessHandle> handles = nodes.stream()
                .map(n -> ours.containsKey(Long.parseLong(n.id()))
                        ? ProcessHandle.of(Long.parseLong(n.id()))
                        : handle(cluster, n))
                .flatMap(Optional::stream)
                .toList();
        handles.forEach(ProcessHandle::destroy);
        List<ProcessHandle> left = awaitExit(handles, TERM_GRACE);
        left.forEach(ProcessHandle::destroyForcibly);
        left = awaitExit(left, TERM_GRACE);
        if (!left.isEmpty()) {
            throw new ProvisionException("processes "
                    + left.stream().map(ph -> Long.toString(ph.pid())).toList() + " of cluster " + cluster.name()
                    + " did not exit after kill -9");
        }
    }

    /** Deletes the cluster's working directory: logs, address file, spilled data. */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        FileTrees.deleteRecursively(cluster.workDir());
        Map<Long, Node> ours = launched.get(cluster.id());
        if (ours != null) {
            ours.entrySet()
                    .removeIf(e -> !ProcessHandle.of(e.getKey())
                            .map(ProcessHandle::isAlive)
                            .orElse(false));
            launched.remove(cluster.id(), Map.of());
        }
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        String tail = LogTail.read(logFile(cluster, node.name()), lines);
        Process p = processes.get(Long.parseLong(node.id()));
        if (p != null) {
            try {
                // Exit codes: 1 an error (see the log), 137 kill -9, 143 SIGTERM.
                int code = p.onExit().get(200, TimeUnit.MILLISECONDS).exitValue();
                tail = tail + (tail.isEmpty() ? "" : "\n") + "(process exited with code " + code + ")";
            } catch (Exception e) {
                // still running
            }
        }
        return tail;
    }

    /**
     * The node's process output ({@code <workDir>/logs/<node>.log}); with {@code follow}, new lines
     * until the process exits.
     */
    @Override
    public java.util.stream.Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        return LogLines.of(logFile(cluster, node.name()), follow, () -> isRunning(cluster, node));
    }

    /** The log file of node {@code name}. */
    static Path logFile(ClusterContext cluster, String name) {
        return logDir(cluster).resolve(name + ".log");
    }

    static Path logDir(ClusterContext cluster) {
        return cluster.workDir().resolve("logs");
    }

    /** The cluster's CA and certificates (see {@link ClusterTrust}). */
    static Path tlsDir(ClusterContext cluster) {
        return cluster.workDir().resolve(ClusterTrust.DIRECTORY);
    }

    static Path addressFile(ClusterContext cluster) {
        return cluster.workDir().resolve("scheduler-address.json");
    }

    /** The scheduler's port, chosen at bootstrap so that workers can start before it listens. */
    static Path portFile(ClusterContext cluster) {
        return cluster.workDir().resolve("scheduler-port");
    }

    private static int freeLoopbackPort() throws IOException {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Optional<Integer> plannedPort(ClusterContext cluster) {
        try {
            return Optional.of(
                    Integer.parseInt(Files.readString(portFile(cluster)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        return plannedPort(cluster).map(port -> "127.0.0.1:" + port);
    }

    /** The live process of {@code node}, if it is still the node (same pid and the cluster's tag, or exiting). */
    static Optional<ProcessHandle> handle(ClusterContext cluster, Node node) {
        long pid;
        try {
            pid = Long.parseLong(node.id());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String idArg = ID_PREFIX + cluster.id();
        // An exiting process has already lost its command line but is still the node: keep it so
        // that callers can wait for its exit. A reused pid has a command line, without our tag.
        return ProcessHandle.of(pid)
                .filter(ph -> ph.isAlive()
                        && (CommandLines.arguments(ph).map(List::isEmpty).orElse(true)
                                || toNode(ph, idArg).isPresent()));
    }

    /** Loopback only; files in the cluster's working directory. */
    private static EngineCommand withLocalFlags(ClusterContext cluster, String name, EngineCommand command) {
        if (command.role() == NodeRole.SCHEDULER) {
            return command.with("--host", "127.0.0.1")
                    .with("--port", plannedPort(cluster).map(String::valueOf).orElse("0"))
                    .with("--dashboard-port", "0")
                    .with("--address-file", addressFile(cluster).toString());
        }
        return command.with("--host", "127.0.0.1")
                .with(
                        "--local-directory",
                        cluster.workDir().resolve("workers").resolve(name).toString())
                // No boot script loops here: the worker starts its own replacement, as a cloud machine's script does.
                .with("--memory-restarts", Integer.toString(dev.jcloud.provisioner.boot.BootScript.MEMORY_RESTARTS));
    }

    /** Class-data sharing archives for the cluster's java and class path, unless disabled with the cds=false option. */
    private static Optional<CdsArchives> archives(ClusterContext cluster) {
        if (!Boolean.parseBoolean(cluster.option(LocalOptions.CDS, "true"))) {
            return Optional.empty();
        }
        Path base = cdsDir(cluster);
        Optional<CdsArchives> archives = CdsArchives.forClasspath(
                base,
                cluster.option(LocalOptions.JAVA, LocalOptions.currentJava()),
                cluster.option(LocalOptions.CLASSPATH, LocalOptions.currentClasspath()));
        archives.ifPresent(a -> a.deleteStale(base));
        return archives;
    }

    /** {@code <stateDir>/cds}, beside {@code <stateDir>/clusters}. */
    static Path cdsDir(ClusterContext cluster) {
        return cluster.workDir().toAbsolutePath().getParent().resolveSibling("cds");
    }

    /** A JVM option that picks a garbage collector, such as {@code -XX:+UseZGC}. */
    private static final java.util.regex.Pattern COLLECTOR_CHOICE =
            java.util.regex.Pattern.compile("-XX:\\+Use\\w+GC\\b");

    static List<String> commandLine(
            ClusterContext cluster, String name, EngineCommand command, List<String> cdsOptions) {
        List<String> cmd = new ArrayList<>();
        if (Boolean.parseBoolean(cluster.option(LocalOptions.DETACHED, "false"))) {
            // A new session: no controlling terminal, so closing the terminal or Ctrl-C in it
            // does not reach a cluster that was started to outlive the command.
            Setsid.path().ifPresent(cmd::add);
        }
        cmd.add(cluster.option(LocalOptions.JAVA, LocalOptions.currentJava()));
        // Tags first, so that they are found even where a tool shows only the start of a command line.
        cmd.add("-D" + ClusterContext.NAME_TAG + "=" + cluster.name());
        cmd.add(ID_PREFIX + cluster.id());
        cmd.add(NODE_PREFIX + name);
        cmd.add(ROLE_PREFIX + command.role().label());
        // Throughput matters for both roles (no C1-only or serial GC); -Xshare:auto uses the JDK's CDS archive.
        // Workers hold results: G1 places a large array in regions of its own and never copies it,
        // where the parallel collector copied every held result at each young collection.
        String extra = cluster.option(LocalOptions.JVM_OPTIONS, "").trim();
        if (!COLLECTOR_CHOICE.matcher(extra).find()) { // two collectors would stop the JVM
            cmd.add(command.role() == NodeRole.WORKER ? "-XX:+UseG1GC" : "-XX:+UseParallelGC");
        }
        cmd.add("-Xshare:auto");
        cmd.add("-XX:-UsePerfData");
        cmd.addAll(cdsOptions);
        String memory = command.option("--memory-limit");
        if (memory != null) {
            cmd.add("-Xmx" + JvmSizes.heapFor(memory));
        }
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.add("-Djcloud.log.level=INFO");
        cmd.add("-cp");
        cmd.add(cluster.option(LocalOptions.CLASSPATH, LocalOptions.currentClasspath()));
        cmd.add(MAIN_CLASS);
        cmd.addAll(command.arguments());
        return cmd;
    }

    private static Optional<Node> toNode(ProcessHandle ph, String idArg) {
        Optional<List<String>> args = CommandLines.arguments(ph);
        if (args.isEmpty()) {
            return Optional.empty();
        }
        boolean tagged = false;
        String name = null;
        String role = null;
        for (String a : args.get()) {
            if (a.equals(idArg)) {
                tagged = true;
            } else if (a.startsWith(NODE_PREFIX)) {
                name = a.substring(NODE_PREFIX.length());
            } else if (a.startsWith(ROLE_PREFIX)) {
                role = a.substring(ROLE_PREFIX.length());
            } else if (a.equals(MAIN_CLASS)) {
                break; // engine arguments follow; they are not tags
            }
        }
        if (!tagged || name == null || role == null) {
            return Optional.empty();
        }
        return Optional.of(new Node(Long.toString(ph.pid()), name, NodeRole.valueOf(role.toUpperCase(Locale.ROOT))));
    }

    private static Optional<SchedulerEndpoint> readAddressFile(Path file, Node scheduler) {
        try {
            JsonNode json = JSON.readTree(Files.readAllBytes(file));
            long pid = json.path("pid").asLong(-1);
            if (pid != -1 && !Long.toString(pid).equals(scheduler.id())) {
                return Optional.empty(); // left over from another scheduler
            }
            JsonNode dashboard = json.get("dashboard");
            return Optional.of(new SchedulerEndpoint(
                    json.get("scheduler").asText(),
                    dashboard == null || dashboard.isNull() ? null : dashboard.asText()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // written atomically by the engine, so this is an old or foreign file
        }
    }

    private static List<ProcessHandle> awaitExit(List<ProcessHandle> handles, Duration timeout) {
        CompletableFuture<?>[] exits =
                handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // some are still alive: returned below
        }
        return handles.stream().filter(ProcessHandle::isAlive).toList();
    }

    private String tailMessage(ClusterContext cluster, Node node) {
        String tail = logTail(cluster, node, 20);
        return tail.isBlank()
                ? "; its log is empty"
                : "; last lines of its log:\n" + tail.stripTrailing().indent(2).stripTrailing();
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while waiting for the scheduler", e);
        }
    }
}
