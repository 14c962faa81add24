package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.boot.BootScript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * Plays EC2's part that moto leaves out: booting. It polls moto for instances carrying a jcloud
 * cluster tag and boots each new one once, the way EC2 and cloud-init would: a network namespace
 * holding the private IP moto assigned ({@link NetnsNetwork}), and in it the instance's user-data
 * as moto returns it, run with bash as a child of this process. The script is the one users get;
 * only the documented seams of the boot script are set:
 *
 * <ul>
 *   <li>{@code PATH} starts with this JVM's {@code bin}, so the script's JRE install is skipped;</li>
 *   <li>{@code JCLOUD_HOME} is a directory per machine instead of {@code /opt/jcloud};</li>
 *   <li>{@code JCLOUD_IMDS} points at {@link BootImds} instead of 169.254.169.254;</li>
 *   <li>{@code JCLOUD_POWEROFF} is a script that only records the call (never this machine's
 *       {@code shutdown}); the harness then does what EC2 does on an instance-initiated shutdown:
 *       terminate (or stop) the instance, per its shutdown behaviour in moto.</li>
 * </ul>
 *
 * <p>The environment is otherwise empty, as under cloud-init (no proxy, no AWS variables of the
 * test). Output goes to a console log per machine. When moto reports an instance shutting down,
 * terminated or stopped (by the provider, or after its poweroff), the harness stops its processes
 * (SIGTERM, then SIGKILL) and removes its namespace, recording which processes were still alive.
 *
 * <p>Instances with a public address are not booted (a problem is recorded instead): the test
 * uses a subnet without map-public-ip-on-launch, so every address the provider dials is a
 * private one that exists in a namespace.
 */
final class BootHarness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BootHarness.class);
    private static final Duration POLL = Duration.ofMillis(250);
    /** The loop ends by itself after this, whatever happens to the test. */
    private static final Duration MAX_LIFETIME = Duration.ofMinutes(6);

    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    private final Ec2Client ec2;
    private final NetnsNetwork network;
    private final BootImds imds;
    private final Path dir;
    private final String ip;
    private final Map<String, Machine> machines = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final Thread loop;
    private volatile boolean closing;

    /** What the test sees of one booted machine. */
    record MachineView(
            String instanceId,
            String name,
            String role,
            String privateIp,
            String namespace,
            boolean exited,
            Integer exitCode,
            boolean poweredOff,
            boolean stopped,
            List<Long> aliveWhenTerminated,
            Map<ProcessHandle, String> processes,
            String console) {

        /**
         * The machine's processes seen running java: the boot script starts nothing else in Java,
         * so these are the engine. (Long command lines are truncated, hiding the main class.)
         */
        List<ProcessHandle> engineProcesses() {
            return processes.entrySet().stream()
                    .filter(e -> {
                        String program = e.getValue().split(" ", 2)[0];
                        return program.equals("java")
                                || program.endsWith("/java")
                                || e.getValue().contains(BootScript.MAIN_CLASS);
                    })
                    .map(Map.Entry::getKey)
                    .toList();
        }
    }

    private BootHarness(Ec2Client ec2, NetnsNetwork network, BootImds imds, Path dir) {
        this.ec2 = ec2;
        this.network = network;
        this.imds = imds;
        this.dir = dir;
        this.ip = NetnsCommands.ip().orElseThrow();
        this.loop = new Thread(this::run, "ec2-boot-harness");
        this.loop.setDaemon(true);
    }

    /** Starts polling {@code ec2} (moto) and booting what it launches; machine files go under {@code dir}. */
    static BootHarness start(Ec2Client ec2, NetnsNetwork network, BootImds imds, Path dir) {
        BootHarness h = new BootHarness(ec2, network, imds, dir);
        h.loop.start();
        return h;
    }

    private void run() {
        long end = System.nanoTime() + MAX_LIFETIME.toNanos();
        while (!closing && System.nanoTime() < end) {
            try {
                poll();
            } catch (RuntimeException e) {
                if (!closing) {
                    problem("polling EC2 failed: " + e);
                }
            }
            NetnsCommands.sleep(POLL.toMillis());
        }
    }

    private void poll() {
        List<Instance> all = new ArrayList<>();
        ec2.describeInstancesPaginator(r -> r.filters(JCLOUD))
                .reservations()
                .forEach(res -> all.addAll(res.instances()));
        for (Instance i : all) {
            Machine m = machines.get(i.instanceId());
            InstanceStateName state = i.state().name();
            if (m == null) {
                if (state == InstanceStateName.PENDING || state == InstanceStateName.RUNNING) {
                    boot(i);
                }
                continue;
            }
            m.tags(i);
            if (state != InstanceStateName.PENDING && state != InstanceStateName.RUNNING && !m.stopped) {
                stop(m, "EC2 reports it " + state);
            }
        }
        for (Machine m : snapshot()) {
            if (m.process == null || m.stopped) {
                continue;
            }
            m.recordProcesses();
            if (!m.process.isAlive() && !m.exitHandled) {
                m.exitHandled = true;
                m.exitCode = m.process.exitValue();
                onExit(m);
            }
        }
    }

    /** The boot script ended: after its poweroff, EC2 applies the instance's shutdown behaviour. */
    private void onExit(Machine m) {
        if (!m.poweredOff()) {
            // A real instance whose user-data failed keeps running (and billing); so does this one.
            problem(m.instanceId + " (" + m.name + "): the boot script exited with code " + m.exitCode
                    + " without powering off\n" + tail(m.console, 30));
            return;
        }
        String behaviour = ec2.describeInstanceAttribute(r -> r.instanceId(m.instanceId)
                        .attribute(InstanceAttributeName.INSTANCE_INITIATED_SHUTDOWN_BEHAVIOR))
                .instanceInitiatedShutdownBehavior()
                .value();
        LOG.info("{} ({}) powered itself off; shutdown behaviour '{}'", m.instanceId, m.name, behaviour);
        if ("terminate".equals(behaviour)) {
            ec2.terminateInstances(r -> r.instanceIds(m.instanceId));
        } else {
            ec2.stopInstances(r -> r.instanceIds(m.instanceId));
        }
    }

    private void boot(Instance i) {
        Machine m = new Machine(i);
        machines.put(i.instanceId(), m);
        if (i.publicIpAddress() != null) {
            problem(i.instanceId() + " has the public address " + i.publicIpAddress() + ", which no namespace holds:"
                    + " launch into a subnet without map-public-ip-on-launch; not booted");
            return;
        }
        if (i.privateIpAddress() == null) {
            problem(i.instanceId() + " has no private address; not booted");
            return;
        }
        try {
            String b64 = ec2.describeInstanceAttribute(
                            r -> r.instanceId(i.instanceId()).attribute(InstanceAttributeName.USER_DATA))
                    .userData()
                    .value();
            if (b64 == null || b64.isEmpty()) {
                problem(i.instanceId() + " has no user-data; not booted");
                return;
            }
            Path home = dir.resolve(i.instanceId());
            Files.createDirectories(home.resolve("jcloud"));
            Path userData = home.resolve("user-data.sh");
            Files.write(userData, Base64.getDecoder().decode(b64));
            Path poweroff = home.resolve("poweroff");
            // Records the call instead of powering anything off; the harness applies the shutdown behaviour.
            Files.writeString(
                    poweroff,
                    "#!/bin/sh\necho \"poweroff $*\" >> " + shellQuote(m.poweroffMarker.toString()) + "\n",
                    StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(poweroff, PosixFilePermissions.fromString("rwxr-xr-x"));
            m.namespace = network.addMachine(i.privateIpAddress());
            imds.register(i);
            ProcessBuilder pb = new ProcessBuilder(ip, "netns", "exec", m.namespace, "bash", userData.toString())
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(m.console.toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.put(
                    "PATH",
                    Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
            env.put("HOME", home.toString());
            env.put("LANG", "C.UTF-8");
            env.put("JCLOUD_HOME", home.resolve("jcloud").toString());
            env.put("JCLOUD_IMDS", imds.url());
            env.put("JCLOUD_POWEROFF", poweroff.toString());
            m.process = pb.start();
            LOG.info("booted {} ({}) at {} in namespace {}", i.instanceId(), m.name, i.privateIpAddress(), m.namespace);
        } catch (IOException | RuntimeException e) {
            problem("booting " + i.instanceId() + " failed: " + e);
        }
    }

    private void stop(Machine m, String why) {
        synchronized (m) {
            if (m.stopped) {
                return;
            }
            List<Long> alive = new ArrayList<>();
            if (m.process != null) {
                m.recordProcesses();
                NetnsCommands.stopTree(m.process.toHandle(), Duration.ofSeconds(5))
                        .forEach(h -> alive.add(h.pid()));
                m.exitHandled = true;
            }
            if (m.namespace != null) {
                network.removeMachine(m.namespace).stream()
                        .filter(p -> !alive.contains(p))
                        .forEach(alive::add);
            }
            imds.unregister(m.instance);
            m.aliveWhenTerminated = List.copyOf(alive);
            m.stopped = true;
            LOG.info(
                    "{} ({}) stopped: {}{}",
                    m.instanceId,
                    m.name,
                    why,
                    alive.isEmpty() ? "" : "; killed still running processes " + alive);
        }
    }

    /** Waits (at most {@code timeout}) until every machine booted so far is stopped; true if so. */
    boolean awaitAllStopped(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (machines().stream().allMatch(MachineView::stopped)) {
                return true;
            }
            NetnsCommands.sleep(100);
        }
        return machines().stream().allMatch(MachineView::stopped);
    }

    /** The machines booted so far, in boot order. */
    List<MachineView> machines() {
        return snapshot().stream().map(Machine::view).toList();
    }

    private List<Machine> snapshot() {
        synchronized (machines) {
            return List.copyOf(machines.values());
        }
    }

    /** What went wrong while booting (empty when all went as on EC2). */
    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /** Every machine's state and console tail, and the problems: for failure messages. */
    String report() {
        StringBuilder s = new StringBuilder("EC2 boot harness:");
        for (MachineView m : machines()) {
            s.append("\n- ")
                    .append(m.instanceId())
                    .append(' ')
                    .append(m.name())
                    .append(" (")
                    .append(m.role())
                    .append(") ")
                    .append(m.privateIp())
                    .append(" ns=")
                    .append(m.namespace())
                    .append(m.stopped() ? " stopped" : m.exited() ? " exited " + m.exitCode() : " running")
                    .append(m.poweredOff() ? ", powered off" : "")
                    .append("; console:\n")
                    .append(lastLines(m.console(), 40).indent(4));
        }
        for (String p : problems()) {
            s.append("\n! ").append(p);
        }
        return s.toString();
    }

    /** Stops polling, stops every machine still running and removes its namespace; safe to call again. */
    @Override
    public void close() {
        closing = true;
        try {
            loop.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Machine m : snapshot()) {
            stop(m, "harness closed");
        }
    }

    private void problem(String p) {
        LOG.warn(p);
        problems.add(p);
    }

    private static String tail(Path file, int lines) {
        if (file == null || !Files.exists(file)) {
            return "";
        }
        try {
            return lastLines(Files.readString(file, StandardCharsets.UTF_8), lines);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String lastLines(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** One instance as booted here. Fields written by the loop thread, read by the test. */
    private final class Machine {
        final String instanceId;
        final Instance instance;
        final String privateIp;
        final Path console;
        final Path poweroffMarker;
        /** Every process seen in the machine's tree, with its command line (unreadable once it exits). */
        final Map<ProcessHandle, String> processes = Collections.synchronizedMap(new LinkedHashMap<>());

        volatile String name;
        volatile String role;
        volatile String namespace;
        volatile Process process;
        volatile boolean exitHandled;
        volatile Integer exitCode;
        volatile boolean stopped;
        volatile List<Long> aliveWhenTerminated = List.of();

        Machine(Instance i) {
            this.instanceId = i.instanceId();
            this.instance = i;
            this.privateIp = i.privateIpAddress();
            this.console = dir.resolve(i.instanceId()).resolve("console.log");
            this.poweroffMarker = dir.resolve(i.instanceId()).resolve("poweroff.called");
            tags(i);
        }

        /** The name tag of workers is set right after RunInstances returns, so it may come later. */
        void tags(Instance i) {
            Map<String, String> t = Tags.toMap(i.tags());
            name = t.getOrDefault(ClusterContext.NODE_TAG, "?");
            role = t.getOrDefault(ClusterContext.ROLE_TAG, "?");
        }

        void recordProcesses() {
            Process p = process;
            if (p != null) {
                // Refreshed every time: a forked subshell becomes java by exec, keeping its pid and start time.
                p.descendants()
                        .forEach(h -> h.info()
                                .commandLine()
                                .or(() -> h.info().command())
                                .ifPresentOrElse(c -> processes.put(h, c), () -> processes.putIfAbsent(h, "?")));
            }
        }

        boolean poweredOff() {
            return Files.exists(poweroffMarker);
        }

        MachineView view() {
            Map<ProcessHandle, String> seen;
            synchronized (processes) {
                seen = Map.copyOf(processes);
            }
            return new MachineView(
                    instanceId,
                    name,
                    role,
                    privateIp,
                    namespace,
                    exitHandled,
                    exitCode,
                    poweredOff(),
                    stopped,
                    aliveWhenTerminated,
                    seen,
                    tail(console, 400));
        }
    }

    /** Single-quoting for the path written into the poweroff script. */
    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
