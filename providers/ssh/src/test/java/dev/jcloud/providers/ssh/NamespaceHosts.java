package dev.jcloud.providers.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Three SSH hosts on this machine, each a network namespace with a real OpenSSH {@code sshd} (its own
 * host key; the test user's key authorised): {@code bastion}, reached from here at 10.250.41.2, and
 * {@code h1} (10.250.42.2) and {@code h2} (10.250.43.2), reached only through the bastion, which
 * routes between them. Namespaces share this machine's file system and process table, so each host
 * gets a directory of its own (its engine cache and clusters' files) and the tests can see and
 * signal the processes.
 *
 * <p>Everything is removed after the test class, even when it fails; what a killed earlier run left
 * (namespaces named {@code jcssh-*} and their processes) is removed first. Needs root and Debian's
 * {@code openssh-server} ({@code .ci/ssh-up} installs it); without them it fails saying so.
 */
final class NamespaceHosts implements BeforeAllCallback, AfterAllCallback {

    static final String PREFIX = "jcssh-";
    static final String BASTION_ADDRESS = "10.250.41.2";
    private static final String ROOT_LINK = "jcsshb0";

    /** One host: its name, namespace, address and directory. */
    record Host(String name, String netns, String address, Path dir) {
        Path jcloudDir() {
            return dir.resolve("jcloud");
        }

        Path authorizedKeys() {
            return dir.resolve("authorized_keys");
        }

        Path sshdLog() {
            return dir.resolve("sshd.log");
        }
    }

    private Path root;
    private final List<Host> hosts = new ArrayList<>();
    private Path userKey;
    private Path knownHosts;
    private Path hostsFile;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        requireTools();
        removeStale();
        root = Files.createTempDirectory("jcloud-ssh-hosts-");
        try {
            start();
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    List<Host> hosts() {
        return List.copyOf(hosts);
    }

    Host host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    Path userKey() {
        return userKey;
    }

    Path knownHosts() {
        return knownHosts;
    }

    Path hostsFile() {
        return hostsFile;
    }

    Path root() {
        return root;
    }

    /** A hosts file like {@link #hostsFile()} with {@code extra} YAML fields on host {@code name}. */
    Path hostsFileWith(String name, String extra) {
        Path f = root.resolve("hosts-" + name + "-" + Math.abs(extra.hashCode()) + ".yaml");
        write(f, hostsYaml(name, extra));
        return f;
    }

    private void start() throws IOException {
        Files.createDirectories(Path.of("/run/sshd"));
        userKey = root.resolve("user_key");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "jcloud-test-user", "-f", userKey.toString());
        String userPub = Files.readString(root.resolve("user_key.pub")).strip();
        hosts.add(new Host("bastion", PREFIX + "b", BASTION_ADDRESS, root.resolve("bastion")));
        hosts.add(new Host("h1", PREFIX + "h1", "10.250.42.2", root.resolve("h1")));
        hosts.add(new Host("h2", PREFIX + "h2", "10.250.43.2", root.resolve("h2")));
        // The bastion: a veth pair to this machine; it forwards between this link and the others.
        run("ip", "netns", "add", PREFIX + "b");
        run("ip", "link", "add", ROOT_LINK, "type", "veth", "peer", "name", "eth0", "netns", PREFIX + "b");
        run("ip", "addr", "add", "10.250.41.1/30", "dev", ROOT_LINK);
        run("ip", "link", "set", ROOT_LINK, "up");
        ns(PREFIX + "b", "ip", "addr", "add", BASTION_ADDRESS + "/30", "dev", "eth0");
        ns(PREFIX + "b", "ip", "link", "set", "eth0", "up");
        ns(PREFIX + "b", "ip", "link", "set", "lo", "up");
        ns(PREFIX + "b", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        int i = 0;
        for (Host h : hosts.subList(1, 3)) {
            i++;
            String gateway = "10.250.4" + (i + 1) + ".1";
            run("ip", "netns", "add", h.netns());
            ns(PREFIX + "b", "ip", "link", "add", "b" + i, "type", "veth", "peer", "name", "eth0", "netns", h.netns());
            ns(PREFIX + "b", "ip", "addr", "add", gateway + "/30", "dev", "b" + i);
            ns(PREFIX + "b", "ip", "link", "set", "b" + i, "up");
            ns(h.netns(), "ip", "addr", "add", h.address() + "/30", "dev", "eth0");
            ns(h.netns(), "ip", "link", "set", "eth0", "up");
            ns(h.netns(), "ip", "link", "set", "lo", "up");
            ns(h.netns(), "ip", "route", "add", "default", "via", gateway);
        }
        StringBuilder known = new StringBuilder();
        for (Host h : hosts) {
            Files.createDirectories(h.jcloudDir());
            Path key = h.dir().resolve("host_key");
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h.name(), "-f", key.toString());
            write(h.authorizedKeys(), userPub + "\n");
            Path config = h.dir().resolve("sshd_config");
            write(
                    config,
                    String.join(
                            "\n",
                            "ListenAddress " + h.address(),
                            "HostKey " + key,
                            "AuthorizedKeysFile " + h.authorizedKeys(),
                            "PidFile " + h.dir().resolve("sshd.pid"),
                            "PasswordAuthentication no",
                            "KbdInteractiveAuthentication no",
                            "PermitRootLogin prohibit-password",
                            "StrictModes no",
                            "UsePAM no",
                            "AllowTcpForwarding yes",
                            "MaxStartups 50",
                            "Subsystem sftp internal-sftp",
                            "LogLevel VERBOSE",
                            ""));
            ns(
                    h.netns(),
                    "/usr/sbin/sshd",
                    "-f",
                    config.toString(),
                    "-E",
                    h.sshdLog().toString());
            String pub = Files.readString(h.dir().resolve("host_key.pub")).strip();
            String[] parts = pub.split(" ");
            known.append(h.address())
                    .append(' ')
                    .append(parts[0])
                    .append(' ')
                    .append(parts[1])
                    .append('\n');
        }
        knownHosts = root.resolve("known_hosts");
        write(knownHosts, known.toString());
        hostsFile = root.resolve("hosts.yaml");
        write(hostsFile, hostsYaml(null, null));
    }

    private String hostsYaml(String special, String extra) {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        StringBuilder y = new StringBuilder("hosts:\n");
        for (Host h : hosts) {
            y.append("  - name: ").append(h.name()).append('\n');
            y.append("    host: ").append(h.address()).append('\n');
            y.append("    user: root\n");
            y.append("    identity: ").append(userKey).append('\n');
            if (!h.name().equals("bastion")) {
                y.append("    jump: bastion\n");
            }
            y.append("    slots: ").append(h.name().equals("bastion") ? 1 : 2).append('\n');
            if (h.name().equals("bastion")) {
                y.append("    scheduler: true\n");
            }
            y.append("    dir: ").append(h.jcloudDir()).append('\n');
            y.append("    authorized-keys: ").append(h.authorizedKeys()).append('\n');
            if (h.name().equals(special)) {
                y.append(extra.indent(4));
            }
            if (!h.name().equals(special) || !extra.contains("java:")) {
                y.append("    java: ").append(java).append('\n');
            }
        }
        return y.toString();
    }

    private void stop() {
        for (Host h : hosts) {
            killNamespace(h.netns());
        }
        for (Host h : hosts) {
            quietly("ip", "netns", "del", h.netns());
        }
        quietly("ip", "link", "del", ROOT_LINK);
        hosts.clear();
        if (root != null) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // the temporary directory stays; nothing runs from it any more
            }
        }
    }

    /** Namespaces and links of a run that was killed before its clean-up. */
    private static void removeStale() {
        for (String line : output("ip", "netns", "list").lines().toList()) {
            String name = line.split(" ")[0];
            if (name.startsWith(PREFIX)) {
                killNamespace(name);
                quietly("ip", "netns", "del", name);
            }
        }
        quietly("ip", "link", "del", ROOT_LINK);
    }

    /** Every process in {@code netns} (its sshd and what was started through it), killed and reaped. */
    private static void killNamespace(String netns) {
        for (int round = 0; round < 50; round++) {
            List<Long> pids = output("ip", "netns", "pids", netns)
                    .lines()
                    .filter(l -> l.strip().matches("\\d+"))
                    .map(l -> Long.parseLong(l.strip()))
                    .toList();
            if (pids.isEmpty()) {
                return;
            }
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            sleep(Duration.ofMillis(100));
        }
    }

    private static void requireTools() {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/sbin/ip", "/usr/bin/setsid")) {
            if (!Files.isExecutable(Path.of(tool))) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the SSH host tests need " + missing + ": install Debian's openssh-server,"
                    + " openssh-client, iproute2 and util-linux (.ci/ssh-up does)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the SSH host tests make network namespaces and need root (run as root,"
                    + " as .ci/run does on CI); running as " + System.getProperty("user.name"));
        }
    }

    private static void ns(String netns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        c.addAll(List.of(command));
        run(c.toArray(String[]::new));
    }

    static String run(String... command) {
        Result r = exec(command);
        if (r.code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + r.code + "): " + r.out);
        }
        return r.out;
    }

    private static String output(String... command) {
        return exec(command).out;
    }

    private static void quietly(String... command) {
        exec(command);
    }

    private record Result(int code, String out) {}

    private static Result exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + " (timed out)");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static void write(Path f, String text) {
        try {
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
