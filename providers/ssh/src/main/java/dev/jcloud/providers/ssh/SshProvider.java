package dev.jcloud.providers.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh}: a cluster on machines you already have. The scheduler runs on one host of the pool,
 * workers on the hosts with free slots; everything travels over one SSH session per host
 * ({@link SshHosts}). The engine is this program's own class path ({@link EngineBundle}), copied
 * once per host and version over SFTP and checked by SHA-256. Each engine process runs in a process
 * group of its own under a small supervisor whose pidfile carries the cluster id, so any machine
 * that can log in finds and stops a cluster's processes ({@link HostScripts}).
 *
 * <p>The in-cluster controller (idle teardown, adaptive scaling) runs in the scheduler's JVM on the
 * scheduler's host. It reaches the other hosts with the cluster's own SSH key ({@link ClusterKey}),
 * authorised on the hosts for the cluster's lifetime only.
 */
public final class SshProvider implements CloudProvider {

    private static final Logger LOG = LoggerFactory.getLogger(SshProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int JAVA_FEATURE = 17;
    private static final int TERM_GRACE_SECONDS = 10;
    private static final Duration COMMAND_LIMIT = Duration.ofMinutes(2);
    private static final Duration COPY_LIMIT = Duration.ofMinutes(10);
    private static final ExecutorService PARALLEL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jcloud-ssh");
        t.setDaemon(true);
        return t;
    });

    private static EngineBundle bundle;

    private final Map<SshOptions, SshHosts> connections = new HashMap<>();

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public String description() {
        return "Machines you already have, reached over SSH (a hosts file or user@host list).";
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(SshSettings.SECTION);
    }

    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(5);
    }

    @Override
    public void validate(ClusterContext cluster) {
        SshOptions.of(cluster.options());
    }

    @Override
    public List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        SshOptions o = SshOptions.of(cluster.options());
        UpPlan.Builder plan = new UpPlan.Builder();
        for (HostSpec h : o.hosts()) {
            plan.create(
                    "host " + h.name() + " (" + h.login()
                            + h.jump().map(j -> " through " + j).orElse("") + ")",
                    "ssh",
                    "host key checked against " + o.knownHosts() + "; the cluster's own key is authorised in "
                            + h.authorizedKeys() + " until down");
        }
        for (HostSpec h : o.engineHosts()) {
            plan.create(
                    "engine on " + h.name(),
                    "sftp",
                    "this program's class path, once per version, under " + HostScripts.engineDir(h) + "; java "
                            + h.java().orElse("from PATH") + " (17 or newer)");
        }
        plan.launch(
                "scheduler " + ClusterNames.scheduler(cluster.name()) + " on "
                        + o.schedulerHost().name(),
                "ssh: setsid supervise.sh java ... scheduler",
                "listens on " + o.schedulerHost().address() + " only");
        plan.launch(
                workers + " worker(s)",
                "ssh: setsid supervise.sh java ... worker",
                "on hosts with free slots (" + o.slots() + " slots, at most " + o.capacity() + " workers)");
        return plan.steps();
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void bootstrap(ClusterContext cluster) {
        SshOptions o = SshOptions.of(cluster);
        boolean tls = ClusterTrust.enabled(cluster.options());
        Path tlsDir = cluster.workDir().resolve(ClusterTrust.DIRECTORY);
        if (tls && !Files.isRegularFile(tlsDir.resolve("worker.pem"))) {
            ClusterTrust.createForCloud(tlsDir, cluster.name(), cluster.id());
        }
        if (tls) {
            DashboardLogin.ensure(tlsDir);
        }
        String keyLine = ClusterKey.ensure(cluster);
        EngineBundle bundle = bundle(cluster);
        SshHosts ssh = ssh(o);
        onEach(o.hosts(), h -> {
            prepareHost(cluster, o, ssh, h, bundle, tls ? tlsDir : null, keyLine);
            return null;
        });
        LOG.info("{}: {} host(s) ready (engine {})", cluster.name(), o.hosts().size(), bundle.sha256());
    }

    private void prepareHost(
            ClusterContext cluster,
            SshOptions o,
            SshHosts ssh,
            HostSpec h,
            EngineBundle bundle,
            Path tlsDir,
            String keyLine) {
        ssh.check(h, "authorising the cluster's key", HostScripts.authorize(h, cluster.id(), keyLine), COMMAND_LIMIT);
        if (!o.engineHosts().contains(h)) {
            return; // a jump host only
        }
        requireJava(ssh, h);
        String dir = HostScripts.clusterDir(h, cluster.id());
        ssh.check(
                h,
                "creating " + dir,
                HostScripts.prepare(h, cluster.id(), cluster.name(), bundle.sha256()),
                COMMAND_LIMIT);
        deliverEngine(ssh, h, bundle);
        ssh.write(h, dir + "/supervise.sh", resource("supervise.sh"), 0644);
        if (tlsDir != null) {
            List<String> files = new ArrayList<>(List.of("ca.pem", "worker.pem", "worker-key.pem"));
            if (h.scheduler()) {
                files.addAll(List.of("scheduler.pem", "scheduler-key.pem", DashboardLogin.FILE));
            }
            for (String f : files) {
                ssh.upload(
                        h,
                        tlsDir.resolve(f),
                        dir + "/tls/" + f,
                        f.endsWith(".pem") && !f.contains("key") ? 0644 : 0600);
            }
        }
        if (h.scheduler()) {
            writeControllerFiles(cluster, o, ssh, h, dir);
        }
    }

    /**
     * What the controller in the scheduler's JVM needs to reach the hosts: the hosts as it logs in to
     * them (the cluster's key as identity), the known host keys, the key itself (0600, in a 0700
     * directory), and the cluster id the files belong to.
     */
    private void writeControllerFiles(ClusterContext cluster, SshOptions o, SshHosts ssh, HostSpec h, String dir) {
        String c = dir + "/" + SshOptions.CONTROLLER_DIR;
        String home = ssh.check(
                        h,
                        "creating " + c,
                        "umask 077\nmkdir -p " + dev.jcloud.provisioner.boot.ShellQuote.quote(c) + "\ncd "
                                + dev.jcloud.provisioner.boot.ShellQuote.quote(c) + " && pwd\n",
                        COMMAND_LIMIT)
                .strip();
        ssh.upload(h, ClusterKey.privateKeyFile(cluster), c + "/cluster-key", 0600);
        List<Map<String, Object>> hosts = new ArrayList<>();
        for (HostSpec x : o.hosts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", x.name());
            m.put("host", x.host());
            m.put("port", x.port());
            m.put("user", x.user());
            m.put("identity", home + "/cluster-key");
            x.jump().ifPresent(j -> m.put("jump", j));
            m.put("slots", x.slots());
            x.java().ifPresent(j -> m.put("java", j));
            x.prologue().ifPresent(p -> m.put("prologue", p));
            m.put("scheduler", x.scheduler());
            m.put("address", x.address());
            m.put("dir", x.dir());
            m.put("authorized-keys", x.authorizedKeys());
            hosts.add(m);
        }
        try {
            ssh.write(h, c + "/hosts.json", JSON.writeValueAsBytes(Map.of("hosts", hosts)), 0600);
            byte[] known = Files.isRegularFile(o.knownHosts()) ? Files.readAllBytes(o.knownHosts()) : new byte[0];
            ssh.write(h, c + "/known_hosts", known, 0600);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + o.knownHosts() + ": " + e.getMessage(), e);
        }
        ssh.write(h, c + "/cluster-id", (cluster.id() + "\n").getBytes(StandardCharsets.US_ASCII), 0600);
    }

    private static void requireJava(SshHosts ssh, HostSpec h) {
        String out = ssh.check(h, "looking for java", HostScripts.javaVersion(h), COMMAND_LIMIT)
                .strip();
        String java = h.java().orElse("java");
        if (out.isEmpty() || out.equals("nojava")) {
            throw new ProvisionException("host " + h.name() + " (" + h.login() + ") has no Java: '" + java
                    + "' is not found" + (h.java().isPresent() ? "" : " on its PATH")
                    + h.prologue().map(p -> " after the prologue").orElse("") + ". Install Java " + JAVA_FEATURE
                    + " or newer there, or name it with 'java:' (or load it with 'prologue:') for this host in the"
                    + " hosts file");
        }
        int feature = feature(out.lines().reduce((a, b) -> b).orElse(out));
        if (feature < JAVA_FEATURE) {
            throw new ProvisionException("host " + h.name() + " (" + h.login() + ") has Java " + out.strip() + " at '"
                    + java + "'; jcloud needs Java " + JAVA_FEATURE + " or newer. Install it there, or name it with"
                    + " 'java:' (or load it with 'prologue:') for this host in the hosts file");
        }
    }

    static int feature(String specVersion) {
        String v = specVersion.strip();
        if (v.startsWith("1.")) {
            v = v.substring(2);
        }
        try {
            return Integer.parseInt(v.split("[^0-9]", 2)[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Copies the engine to {@code h} unless that version is there; checked by SHA-256 on the host. */
    private static void deliverEngine(SshHosts ssh, HostSpec h, EngineBundle bundle) {
        String present =
                ssh.check(h, "looking for the engine", HostScripts.enginePresent(h, bundle.sha256()), COMMAND_LIMIT);
        if (present.strip().equals("present")) {
            return;
        }
        String archive = HostScripts.engineDir(h) + "/." + bundle.sha256() + "-" + UUID.randomUUID() + ".tar.gz";
        long start = System.nanoTime();
        ssh.upload(h, bundle.file(), archive, 0644);
        ssh.check(h, "unpacking the engine", HostScripts.unpackEngine(h, bundle.sha256(), archive), COPY_LIMIT);
        LOG.info(
                "copied the engine ({} MB) to host {} in {} ms",
                fileSize(bundle.file()) / 1_000_000,
                h.name(),
                (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        if (request.nodes().isEmpty()) {
            return List.of();
        }
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        boolean tls = ClusterTrust.enabled(cluster.options());
        Map<HostSpec, List<LaunchRequest.NodeLaunch>> placement = new LinkedHashMap<>();
        if (request.role() == NodeRole.SCHEDULER) {
            placement.put(o.schedulerHost(), request.nodes());
        } else {
            placement = placeWorkers(cluster, o, request.nodes());
        }
        Map<HostSpec, List<LaunchRequest.NodeLaunch>> where = placement;
        // A failure leaves what did start: it is this cluster's and carries its id, so the caller's
        // clean-up finds it by nodes().
        return onEach(List.copyOf(where.keySet()), h -> startOn(cluster, ssh, h, request.role(), where.get(h), tls))
                .stream()
                .flatMap(List::stream)
                .toList();
    }

    /** Workers onto hosts with free slots, the emptiest host first; refuses beyond slots or maximum. */
    private Map<HostSpec, List<LaunchRequest.NodeLaunch>> placeWorkers(
            ClusterContext cluster, SshOptions o, List<LaunchRequest.NodeLaunch> nodes) {
        Map<String, Integer> used = new HashMap<>();
        int running = 0;
        for (Node n : nodes(cluster)) {
            if (n.role() == NodeRole.WORKER) {
                used.merge(hostOf(n), 1, Integer::sum);
                running++;
            }
        }
        if (running + nodes.size() > o.maxWorkers()) {
            throw new ProvisionException("cluster " + cluster.name() + " would have " + (running + nodes.size())
                    + " workers, more than its maximum of " + o.maxWorkers() + " (" + SshSettings.MAX_WORKERS.path()
                    + ")");
        }
        Map<HostSpec, List<LaunchRequest.NodeLaunch>> placement = new LinkedHashMap<>();
        for (LaunchRequest.NodeLaunch n : nodes) {
            HostSpec best = null;
            int bestFree = 0;
            for (HostSpec h : o.hosts()) {
                int free = h.slots()
                        - used.getOrDefault(h.name(), 0)
                        - placement.getOrDefault(h, List.of()).size();
                if (free > bestFree) {
                    best = h;
                    bestFree = free;
                }
            }
            if (best == null) {
                throw new ProvisionException("cluster " + cluster.name() + " would have " + (running + nodes.size())
                        + " workers, more than the " + o.slots() + " slots of its hosts (slots in the hosts file)");
            }
            placement.computeIfAbsent(best, k -> new ArrayList<>()).add(n);
        }
        return placement;
    }

    private List<Node> startOn(
            ClusterContext cluster,
            SshHosts ssh,
            HostSpec h,
            NodeRole role,
            List<LaunchRequest.NodeLaunch> nodes,
            boolean tls) {
        List<HostScripts.NodeStart> starts = new ArrayList<>();
        for (LaunchRequest.NodeLaunch n : nodes) {
            List<String> jvm = new ArrayList<>(List.of(
                    "-D" + ClusterContext.NAME_TAG + "=" + cluster.name(),
                    "-D" + ClusterContext.ID_TAG + "=" + cluster.id(),
                    "-D" + ClusterContext.NODE_TAG + "=" + n.name(),
                    "-D" + ClusterContext.ROLE_TAG + "=" + role.label()));
            if (role == NodeRole.SCHEDULER) {
                jvm.add("-D" + HostScripts.CLUSTER_DIR_PROPERTY + "=$C");
            }
            starts.add(new HostScripts.NodeStart(
                    n.name(), jvm, onHost(n.command(), h, tls, cluster).arguments()));
        }
        String out = ssh.check(
                h,
                "starting " + nodes.size() + " " + role.label() + "(s)",
                HostScripts.launch(h, cluster.id(), cluster.name(), role.label(), starts),
                COMMAND_LIMIT);
        List<Node> made = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String[] p = line.strip().split(" ");
            if (p.length != 2) {
                continue;
            }
            if (p[1].equals("none")) {
                failed.add(p[0]);
            } else {
                made.add(new Node(h.name() + ":" + p[1], p[0], role));
            }
        }
        if (!failed.isEmpty() || made.size() != nodes.size()) {
            String log = failed.isEmpty() ? "" : tail(ssh, h, cluster.id(), failed.get(0), 20);
            throw new ProvisionException("host " + h.name() + ": " + (failed.isEmpty() ? "some nodes" : failed)
                    + " did not start" + (log.isBlank() ? "" : "; last lines of the log:\n" + log.indent(2)));
        }
        return made;
    }

    /**
     * The engine command as it runs on {@code h}: listening on the host's address only, with the
     * cluster's TLS files (relative to the cluster directory, where the process runs).
     */
    private static EngineCommand onHost(EngineCommand command, HostSpec h, boolean tls, ClusterContext cluster) {
        EngineCommand c = command.with("--host", h.address());
        if (!tls) {
            c = c.with("--insecure", "true");
        }
        String stem;
        if (command.role() == NodeRole.SCHEDULER) {
            c = c.with("--port", "0").with("--dashboard-port", "0").with("--address-file", "scheduler.json");
            stem = "scheduler";
        } else {
            c = c.with("--advertise-host", h.address());
            stem = "worker";
        }
        if (tls) {
            c = c.with(TlsFiles.CERT_FLAG, "tls/" + stem + ".pem")
                    .with(TlsFiles.KEY_FLAG, "tls/" + stem + "-key.pem")
                    .with(TlsFiles.CA_FLAG, "tls/ca.pem")
                    .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
            if (command.role() == NodeRole.SCHEDULER) {
                c = c.with(DashboardLogin.FLAG, "tls/" + DashboardLogin.FILE);
            }
        }
        return c;
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        HostSpec h = host(o, scheduler);
        String file = HostScripts.clusterDir(h, cluster.id()) + "/scheduler.json";
        for (int round = 0; ; round++) {
            byte[] json = ssh.read(h, file);
            if (json != null) {
                try {
                    JsonNode n = JSON.readTree(json);
                    JsonNode dashboard = n.get("dashboard");
                    return new SchedulerEndpoint(
                            n.get("scheduler").asText(),
                            dashboard == null || dashboard.isNull() ? null : dashboard.asText());
                } catch (IOException | RuntimeException e) {
                    // written atomically by the engine: an unreadable file is not this scheduler's yet
                }
            }
            if (round % 8 == 7 && nodes(cluster).stream().noneMatch(n -> n.id().equals(scheduler.id()))) {
                throw new ProvisionException("the scheduler on host " + h.name() + " exited before listening"
                        + logMessage(ssh, h, cluster, scheduler));
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("the scheduler on host " + h.name() + " did not listen in time"
                        + logMessage(ssh, h, cluster, scheduler));
            }
            sleep(Duration.ofMillis(250));
        }
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        List<Node> out = new ArrayList<>();
        for (Inventory inv : onEach(o.engineHosts(), h -> inventory(ssh, h, cluster.id()))) {
            for (Proc p : inv.processes()) {
                out.add(p.node(inv.host()));
            }
        }
        return out;
    }

    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        Map<String, List<String[]>> byHost = new LinkedHashMap<>();
        for (Node n : nodes) {
            byHost.computeIfAbsent(hostOf(n), k -> new ArrayList<>())
                    .add(new String[] {n.name(), n.id().substring(n.id().lastIndexOf(':') + 1)});
        }
        List<HostSpec> hosts = byHost.keySet().stream()
                .map(name -> o.host(name)
                        .orElseThrow(() -> new ProvisionException(
                                "node on host " + name + ", which is not in the hosts file (ssh.hosts) any more")))
                .toList();
        onEach(
                hosts,
                h -> ssh.check(
                        h,
                        "stopping " + byHost.get(h.name()).size() + " process group(s)",
                        HostScripts.kill(h, cluster.id(), byHost.get(h.name()), TERM_GRACE_SECONDS),
                        COMMAND_LIMIT));
    }

    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        onEach(
                o.hosts(),
                h -> ssh.check(
                        h,
                        "removing the cluster's files and key",
                        HostScripts.removeCluster(h, cluster.id()) + HostScripts.revoke(h, cluster.id()),
                        COMMAND_LIMIT));
    }

    /**
     * Idle teardown from the scheduler's JVM: stops the workers, then removes the cluster's files and
     * key from every host; on the scheduler's own host the supervisor removes the directory once the
     * scheduler has exited (the file {@code teardown} tells it to).
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        SshOptions o = SshOptions.of(cluster);
        SshHosts ssh = ssh(o);
        List<Node> workers =
                nodes(cluster).stream().filter(n -> n.role() == NodeRole.WORKER).toList();
        terminate(cluster, workers);
        HostSpec self = o.schedulerHost();
        onEach(
                o.hosts().stream().filter(h -> !h.equals(self)).toList(),
                h -> ssh.check(
                        h,
                        "removing the cluster's files and key",
                        HostScripts.removeCluster(h, cluster.id()) + HostScripts.revoke(h, cluster.id()),
                        COMMAND_LIMIT));
        ssh.check(
                self,
                "marking the cluster for removal",
                "touch "
                        + dev.jcloud.provisioner.boot.ShellQuote.quote(
                                HostScripts.clusterDir(self, cluster.id()) + "/teardown")
                        + "\n" + HostScripts.revoke(self, cluster.id()),
                COMMAND_LIMIT);
        LOG.info(
                "{}: removed {} worker(s) and the cluster's files and key from {} host(s)",
                cluster.name(),
                workers.size(),
                o.hosts().size());
    }

    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        SshOptions o = SshOptions.of(options);
        SshHosts ssh = ssh(o);
        Map<String, ClusterContext> found = new LinkedHashMap<>();
        for (Inventory inv : onEach(o.engineHosts(), h -> inventory(ssh, h, null))) {
            for (Proc p : inv.processes()) {
                if (p.role() == NodeRole.SCHEDULER) {
                    found.putIfAbsent(
                            p.clusterId(),
                            new ClusterContext(
                                    p.clusterName(),
                                    p.clusterId(),
                                    Path.of(System.getProperty("java.io.tmpdir"), "jcloud-ssh", p.clusterId()),
                                    options));
                }
            }
        }
        return List.copyOf(found.values());
    }

    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        SshOptions o = SshOptions.of(options);
        SshHosts ssh = ssh(o);
        List<Inventory> all = onEach(o.hosts(), h -> inventory(ssh, h, null));
        Set<String> live = new TreeSet<>();
        Map<String, Long> oldest = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        for (Inventory inv : all) {
            inv.processes().stream().filter(p -> p.role() == NodeRole.SCHEDULER).forEach(p -> live.add(p.clusterId()));
            inv.clusters().forEach((id, c) -> {
                oldest.merge(id, c.created(), Math::min);
                names.putIfAbsent(id, c.name());
            });
            inv.processes().forEach(p -> oldest.merge(p.clusterId(), p.started(), Math::min));
        }
        long youngest = Instant.now().minus(minAge).getEpochSecond();
        List<GcReport.Item> items = new ArrayList<>();
        Map<String, List<HostSpec>> doomed = new LinkedHashMap<>();
        for (Inventory inv : all) {
            Set<String> here = new TreeSet<>(inv.clusters().keySet());
            here.addAll(inv.keys());
            for (String id : here) {
                if (live.contains(id) || oldest.getOrDefault(id, 0L) > youngest) {
                    continue;
                }
                String name = names.getOrDefault(id, "?");
                inv.processes().stream()
                        .filter(p -> p.clusterId().equals(id))
                        .forEach(p -> items.add(new GcReport.Item(
                                name, id, "process", inv.host().name() + ":" + p.pgid())));
                if (inv.clusters().containsKey(id)) {
                    items.add(new GcReport.Item(
                            name, id, "directory", inv.host().name() + ":" + HostScripts.clusterDir(inv.host(), id)));
                }
                if (inv.keys().contains(id)) {
                    items.add(new GcReport.Item(
                            name,
                            id,
                            "authorized-key",
                            inv.host().name() + ":" + inv.host().authorizedKeys()));
                }
                doomed.computeIfAbsent(id, k -> new ArrayList<>()).add(inv.host());
            }
        }
        if (!dryRun) {
            for (Map.Entry<String, List<HostSpec>> e : doomed.entrySet()) {
                String id = e.getKey();
                onEach(e.getValue(), h -> {
                    Inventory inv = all.stream()
                            .filter(i -> i.host().equals(h))
                            .findFirst()
                            .orElseThrow();
                    List<String[]> procs = inv.processes().stream()
                            .filter(p -> p.clusterId().equals(id))
                            .map(p -> new String[] {p.node(), Long.toString(p.pgid())})
                            .toList();
                    String script = (procs.isEmpty()
                                    ? ""
                                    : "(\n" + HostScripts.kill(h, id, procs, TERM_GRACE_SECONDS) + ") || exit 1\n")
                            + HostScripts.removeCluster(h, id)
                            + HostScripts.revoke(h, id);
                    return ssh.check(h, "removing what cluster " + id + " left", script, COMMAND_LIMIT);
                });
            }
        }
        return new GcReport(items, !dryRun);
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        try {
            SshOptions o = SshOptions.of(cluster);
            SshHosts ssh = ssh(o);
            return tail(ssh, host(o, node), cluster.id(), node.name(), lines);
        } catch (RuntimeException e) {
            return "";
        }
    }

    // ------------------------------------------------------------------ support

    /** What {@link HostScripts#inventory} reports of one host. */
    private record Inventory(HostSpec host, Map<String, ClusterDir> clusters, List<Proc> processes, Set<String> keys) {}

    private record ClusterDir(String name, long created) {}

    private record Proc(long pgid, String clusterId, String clusterName, String node, NodeRole role, long started) {
        Node node(HostSpec h) {
            return new Node(h.name() + ":" + pgid, node, role);
        }
    }

    private static Inventory inventory(SshHosts ssh, HostSpec h, String only) {
        String out = ssh.check(h, "listing the clusters' processes", HostScripts.inventory(h, only), COMMAND_LIMIT);
        Map<String, ClusterDir> clusters = new LinkedHashMap<>();
        List<Proc> procs = new ArrayList<>();
        Set<String> keys = new TreeSet<>();
        for (String line : out.lines().toList()) {
            String[] p = line.strip().split("\\s+");
            try {
                if (p[0].equals("C") && p.length >= 4) {
                    clusters.put(p[1], new ClusterDir(p[2], Long.parseLong(p[3])));
                } else if (p[0].equals("P") && p.length >= 7) {
                    procs.add(new Proc(
                            Long.parseLong(p[1]),
                            p[2],
                            p[3],
                            p[4],
                            NodeRole.valueOf(p[5].toUpperCase(Locale.ROOT)),
                            Long.parseLong(p[6])));
                } else if (p[0].equals("K") && p.length >= 2) {
                    keys.add(p[1]);
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("host {}: ignoring an unreadable inventory line '{}'", h.name(), line);
            }
        }
        if (only != null) {
            procs.removeIf(p -> !p.clusterId().equals(only));
        }
        return new Inventory(h, clusters, procs, keys);
    }

    private static String hostOf(Node n) {
        int colon = n.id().lastIndexOf(':');
        if (colon <= 0) {
            throw new ProvisionException("node " + n.name() + " has id " + n.id() + ", not HOST:PGID");
        }
        return n.id().substring(0, colon);
    }

    private static HostSpec host(SshOptions o, Node n) {
        String name = hostOf(n);
        return o.host(name)
                .orElseThrow(() -> new ProvisionException(
                        "node " + n.name() + " runs on host " + name + ", which is not in the hosts file (ssh.hosts)"));
    }

    private static String tail(SshHosts ssh, HostSpec h, String clusterId, String node, int lines) {
        return ssh.run(h, HostScripts.tail(h, clusterId, node, lines), COMMAND_LIMIT)
                .stdout();
    }

    private static String logMessage(SshHosts ssh, HostSpec h, ClusterContext cluster, Node node) {
        String tail = tail(ssh, h, cluster.id(), node.name(), 20);
        return tail.isBlank()
                ? "; its log (" + HostScripts.clusterDir(h, cluster.id()) + "/logs/" + node.name() + ".log) is empty"
                : "; last lines of its log:\n" + tail.indent(2).stripTrailing();
    }

    /** Runs {@code work} on every host at once; the first failure is thrown with the others suppressed. */
    private static <T> List<T> onEach(List<HostSpec> hosts, Function<HostSpec, T> work) {
        List<Future<T>> futures = new ArrayList<>();
        for (HostSpec h : hosts) {
            futures.add(PARALLEL.submit(() -> work.apply(h)));
        }
        List<T> out = new ArrayList<>();
        RuntimeException failure = null;
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException | InterruptedException e) {
                RuntimeException r = unwrap(e);
                if (failure == null) {
                    failure = r;
                } else {
                    failure.addSuppressed(r);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    private static RuntimeException unwrap(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new ProvisionException("interrupted", e);
        }
        Throwable c = e.getCause();
        if (c instanceof RuntimeException r) {
            return r;
        }
        return new ProvisionException(String.valueOf(c), c);
    }

    /** The connections for {@code o}, opened once per provider instance and reused. */
    private synchronized SshHosts ssh(SshOptions o) {
        return connections.computeIfAbsent(o, k -> new SshHosts(k.hosts(), k.knownHosts(), k.timeout(), k.useAgent()));
    }

    /** This program's engine, packed once per process (and again if its file was removed). */
    private static synchronized EngineBundle bundle(ClusterContext cluster) {
        EngineBundle b = bundle;
        if (b == null || !Files.isRegularFile(b.file())) {
            b = EngineBundle.forCluster(cluster);
            bundle = b;
        }
        return b;
    }

    private static byte[] resource(String name) {
        try (InputStream in = SshProvider.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long fileSize(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
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
