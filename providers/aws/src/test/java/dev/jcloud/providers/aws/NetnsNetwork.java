package dev.jcloud.providers.aws;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private network of one end-to-end run, built only from network namespaces this class
 * creates and removes, so nothing of the test is reachable from (or reaches) any other network.
 *
 * <pre>
 *  this machine's namespace      hub namespace jce-RUN-hub              machine namespace jce-RUN-mN
 *  (the test JVM)
 *  veth jce-RUN  10.A.B.2/24 ─── up0 ──┐
 *  (the caller; fake IMDS)             br0  10.A.B.1/24 ── vN ───────── eth0  10.A.B.x/24
 *                                      (moto_server :5000)              (the private IP moto gave the instance)
 * </pre>
 *
 * <p>All of it is one layer-2 segment, the subnet {@code 10.A.B.0/24} the test creates in moto
 * ({@link #subnetCidr()}, inside the VPC {@link #vpcCidr()}): every machine, moto and the test JVM
 * reach each other directly, with no routing, NAT or forwarding, and the only thing added to this
 * machine's own namespace is the veth {@code jce-RUN} with its connected /24 route. {@code A} and
 * {@code B} are random and checked against this machine's routes, so concurrent runs (and the
 * machine's own networks) do not collide. The addresses .1 and .2 are among those EC2 (and moto)
 * reserve in every subnet, so no instance is ever given them.
 *
 * <p>The namespaces share this machine's host name, so each machine namespace gets its own
 * {@code /etc/netns/NS/hosts} (which {@code ip netns exec} mounts over {@code /etc/hosts}) mapping
 * that name to the machine's private IP, as EC2's DNS resolves a machine's own name: the engine
 * advertises the address its peers can reach.
 *
 * <p>{@link #close()} (also run by a shutdown hook) kills every process still inside one of the
 * run's namespaces, by PID, and removes namespaces, veths, the bridge and the hosts files.
 */
final class NetnsNetwork implements AutoCloseable {

    private static final Pattern IPV4_PREFIX = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)(?:/(\\d+))?");
    private static final Path NETNS_ETC = Path.of("/etc/netns");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String ip;
    private final String run;
    private final int a;
    private final int b;
    private final Map<String, String> machines = new LinkedHashMap<>(); // namespace -> private IP
    private final Thread shutdownHook;
    private int next = 1;
    private boolean closed;

    private NetnsNetwork(String ip, String run, int a, int b) {
        this.ip = ip;
        this.run = run;
        this.a = a;
        this.b = b;
        this.shutdownHook = new Thread(this::close, "netns-cleanup-" + run);
    }

    /**
     * Creates the hub namespace with its bridge and the veth from this machine's namespace. Fails,
     * naming what is needed, when network namespaces cannot be created here (not root, no iproute2).
     */
    static NetnsNetwork create() {
        String ip = NetnsCommands.ip()
                .orElseThrow(
                        () -> new AssertionError(
                                "the EC2 end-to-end test needs the 'ip' program (iproute2) to create network namespaces:"
                                        + " install it (apt-get install iproute2 / dnf install iproute) and run the test as root"));
        byte[] r = new byte[3];
        RANDOM.nextBytes(r);
        String run = HexFormat.of().formatHex(r).substring(0, 5);
        int[] subnet = freeSubnet(ip);
        NetnsNetwork net = new NetnsNetwork(ip, run, subnet[0], subnet[1]);
        NetnsCommands.Result probe = NetnsCommands.tryRun(ip, "netns", "add", net.hub());
        if (!probe.ok()) {
            throw new AssertionError("the EC2 end-to-end test needs to create network namespaces, veth pairs and a"
                    + " bridge ('ip netns add' was refused: " + probe.output().strip() + "): run it as root (or with"
                    + " CAP_NET_ADMIN and CAP_SYS_ADMIN) on Linux with iproute2; it never skips");
        }
        Runtime.getRuntime().addShutdownHook(net.shutdownHook);
        try {
            net.buildHub();
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void buildHub() {
        String hub = hub();
        NetnsCommands.run(ip, "-n", hub, "link", "set", "lo", "up");
        // A fixed MAC: a bridge otherwise takes the lowest MAC of its ports, which changes as machines
        // join, and this machine's ARP entry for moto's address goes stale (connections time out).
        NetnsCommands.run(
                ip,
                "-n",
                hub,
                "link",
                "add",
                "br0",
                "address",
                String.format("02:00:0a:%02x:%02x:01", a, b),
                "type",
                "bridge");
        NetnsCommands.run(ip, "-n", hub, "addr", "add", gateway() + "/24", "dev", "br0");
        NetnsCommands.run(ip, "-n", hub, "link", "set", "br0", "up");
        NetnsCommands.run(ip, "link", "add", hostVeth(), "type", "veth", "peer", "name", "up0", "netns", hub);
        NetnsCommands.run(ip, "-n", hub, "link", "set", "up0", "master", "br0");
        NetnsCommands.run(ip, "-n", hub, "link", "set", "up0", "up");
        NetnsCommands.run(ip, "addr", "add", hostAddress() + "/24", "dev", hostVeth());
        NetnsCommands.run(ip, "link", "set", hostVeth(), "up");
    }

    /** The VPC the test creates in moto: {@code 10.A.0.0/16}. */
    String vpcCidr() {
        return "10." + a + ".0.0/16";
    }

    /** The subnet the machines live in: {@code 10.A.B.0/24}. */
    String subnetCidr() {
        return "10." + a + "." + b + ".0/24";
    }

    /** The hub's bridge address, where moto_server listens (EC2's reserved router address .1). */
    String gateway() {
        return "10." + a + "." + b + ".1";
    }

    /** This machine's address on the network: the caller of the AWS APIs and the fake IMDS (reserved .2). */
    String hostAddress() {
        return "10." + a + "." + b + ".2";
    }

    /** The namespace holding the bridge and moto_server. */
    String hub() {
        return prefix() + "hub";
    }

    /** Every namespace of this run starts with this. */
    String prefix() {
        return "jce-" + run + "-";
    }

    private String hostVeth() {
        return "jce-" + run;
    }

    /**
     * A namespace for one machine holding {@code privateIp} on its {@code eth0}, bridged to the
     * others; returns the namespace's name.
     */
    synchronized String addMachine(String privateIp) {
        if (closed) {
            throw new IllegalStateException("the network is closed");
        }
        int n = next++;
        String ns = prefix() + "m" + n;
        String hubSide = "v" + n;
        NetnsCommands.run(ip, "netns", "add", ns);
        machines.put(ns, privateIp);
        NetnsCommands.run(ip, "-n", hub(), "link", "add", hubSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        NetnsCommands.run(ip, "-n", hub(), "link", "set", hubSide, "master", "br0");
        NetnsCommands.run(ip, "-n", hub(), "link", "set", hubSide, "up");
        NetnsCommands.run(ip, "-n", ns, "link", "set", "lo", "up");
        NetnsCommands.run(ip, "-n", ns, "addr", "add", privateIp + "/24", "dev", "eth0");
        NetnsCommands.run(ip, "-n", ns, "link", "set", "eth0", "up");
        // As in a VPC: the router (.1) is the default gateway. Nothing answers beyond the subnet.
        NetnsCommands.run(ip, "-n", ns, "route", "add", "default", "via", gateway());
        writeHosts(ns, privateIp);
        return ns;
    }

    private void writeHosts(String ns, String privateIp) {
        String ec2Name = "ip-" + privateIp.replace('.', '-');
        String hosts = "127.0.0.1 localhost\n" + privateIp + " " + hostName() + " " + ec2Name + ".ec2.internal "
                + ec2Name + "\n";
        try {
            Path dir = NETNS_ETC.resolve(ns);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("hosts"), hosts, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot write " + NETNS_ETC.resolve(ns).resolve("hosts") + ": " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** PIDs of the processes inside {@code ns} (empty once the namespace is gone). */
    List<Long> pids(String ns) {
        NetnsCommands.Result r = NetnsCommands.tryRun(ip, "netns", "pids", ns);
        List<Long> out = new ArrayList<>();
        if (r.ok()) {
            r.output()
                    .lines()
                    .map(String::strip)
                    .filter(l -> l.matches("\\d+"))
                    .forEach(l -> out.add(Long.parseLong(l)));
        }
        return out;
    }

    /**
     * Removes a machine's namespace (its veth pair and hosts file go with it), killing first any
     * process still inside; returns the PIDs that had to be killed.
     */
    synchronized List<Long> removeMachine(String ns) {
        List<Long> killed = killInside(ns);
        NetnsCommands.tryRun(ip, "netns", "del", ns);
        deleteHosts(ns);
        machines.remove(ns);
        return killed;
    }

    /** The namespaces of this run that exist now, as {@code ip netns list} reports them. */
    List<String> namespaces() {
        NetnsCommands.Result r = NetnsCommands.tryRun(ip, "netns", "list");
        List<String> out = new ArrayList<>();
        r.output()
                .lines()
                .map(l -> l.split("\\s+")[0])
                .filter(n -> n.startsWith(prefix()))
                .forEach(out::add);
        return out;
    }

    /** Whether this run's veth still exists in this machine's namespace. */
    boolean hostVethExists() {
        return NetnsCommands.tryRun(ip, "link", "show", hostVeth()).ok();
    }

    /** Whether any hosts file of this run is left under /etc/netns. */
    boolean hostsFilesLeft() {
        try (var s = Files.list(NETNS_ETC)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(prefix()));
        } catch (IOException e) {
            return false; // no /etc/netns at all
        }
    }

    /** Kills every process inside the run's namespaces and removes all of them; safe to call again. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String ns : namespaces()) {
            if (!ns.equals(hub())) {
                removeMachine(ns);
            }
        }
        // Last: moto_server runs in the hub. Deleting the hub destroys up0 and with it jce-RUN.
        killInside(hub());
        NetnsCommands.tryRun(ip, "netns", "del", hub());
        if (hostVethExists()) {
            NetnsCommands.tryRun(ip, "link", "del", hostVeth());
        }
        for (String ns : new ArrayList<>(machines.keySet())) {
            deleteHosts(ns);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // running as the shutdown hook
        }
    }

    private List<Long> killInside(String ns) {
        List<Long> pids = pids(ns);
        for (int round = 0; round < 2 && !pids.isEmpty(); round++) {
            for (long pid : pids) {
                // Only processes inside a namespace this run created: the harness started them.
                ProcessHandle.of(pid).ifPresent(h -> {
                    if (h.pid() != ProcessHandle.current().pid()) {
                        h.destroyForcibly();
                    }
                });
            }
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!pids(ns).isEmpty() && System.nanoTime() < end) {
                NetnsCommands.sleep(50);
            }
            pids = pids(ns);
        }
        return pids.isEmpty() ? List.of() : pids;
    }

    private static void deleteHosts(String ns) {
        Path dir = NETNS_ETC.resolve(ns);
        try {
            Files.deleteIfExists(dir.resolve("hosts"));
            Files.deleteIfExists(dir);
            Files.delete(NETNS_ETC); // only when empty: another run may use it
        } catch (DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
            // left for whoever else uses it, or already gone
        } catch (IOException e) {
            // best effort; hostsFilesLeft() reports what stayed
        }
    }

    /** A random 10.A.B.0/24 (in 10.A.0.0/16) that overlaps none of this machine's routes or addresses. */
    private static int[] freeSubnet(String ip) {
        String routes =
                NetnsCommands.tryRun(ip, "-4", "route", "show", "table", "all").output()
                        + NetnsCommands.tryRun(ip, "-4", "-o", "addr", "show").output();
        List<long[]> taken = new ArrayList<>();
        Matcher m = IPV4_PREFIX.matcher(routes);
        while (m.find()) {
            int len = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
            if (len == 0) {
                continue; // the default route overlaps everything and routes nothing of ours
            }
            long addr = (Long.parseLong(m.group(1)) << 24)
                    | (Long.parseLong(m.group(2)) << 16)
                    | (Long.parseLong(m.group(3)) << 8)
                    | Long.parseLong(m.group(4));
            taken.add(new long[] {addr, len});
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            int a = 64 + RANDOM.nextInt(187); // 10.64.0.0 - 10.250.255.255: clear of the common 10.0-10.63 ranges
            int b = RANDOM.nextInt(256);
            long vpc = (10L << 24) | ((long) a << 16);
            boolean free = taken.stream().noneMatch(t -> overlaps(vpc, 16, t[0], (int) t[1]));
            if (free) {
                return new int[] {a, b};
            }
        }
        throw new IllegalStateException(
                "no free 10.x.0.0/16 for the test network among this machine's routes:\n" + routes);
    }

    private static boolean overlaps(long a, int aLen, long b, int bLen) {
        int len = Math.min(aLen, bLen);
        long mask = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
        return (a & mask) == (b & mask);
    }
}
