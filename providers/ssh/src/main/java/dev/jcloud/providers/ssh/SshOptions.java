package dev.jcloud.providers.ssh;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ControllerSpecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster's SSH settings, read from its options with the {@link SshSettings} keys, or, inside the
 * cluster (the scheduler's JVM, where the in-cluster controller runs), from the files {@code up}
 * left in the cluster's directory on the scheduler's host: the hosts as the controller reaches them
 * (with the cluster's own key), and the known host keys.
 *
 * @param hosts       the host pool, the scheduler's host marked
 * @param knownHosts  the known_hosts file host keys are checked against
 * @param timeout     connect and login timeout per host
 * @param maxWorkers  the hard maximum of workers
 * @param useAgent    whether the user's SSH agent may be asked (never inside the cluster)
 * @param inCluster   whether these are the controller's settings on the scheduler's host
 */
record SshOptions(
        List<HostSpec> hosts, Path knownHosts, Duration timeout, int maxWorkers, boolean useAgent, boolean inCluster) {

    /** Where the controller's files are, inside a cluster directory on the scheduler's host. */
    static final String CONTROLLER_DIR = "controller";

    static SshOptions of(ClusterContext cluster) {
        Optional<Path> inside = controllerDir(cluster.id());
        if (inside.isPresent()) {
            Path d = inside.get();
            List<HostSpec> hosts = HostsFile.parse(
                    d.resolve("hosts.json").toString(), new HostsFile.Defaults("", Optional.empty(), ".jcloud"));
            return new SshOptions(
                    hosts,
                    d.resolve("known_hosts"),
                    SshSettings.CONNECT_TIMEOUT.read(cluster.options()),
                    SshSettings.MAX_WORKERS.read(cluster.options()),
                    false,
                    true);
        }
        return of(cluster.options());
    }

    /** The settings in {@code options}; a bad one fails naming its key, file or field. */
    static SshOptions of(Map<String, String> options) {
        String value = SshSettings.HOSTS
                .read(options)
                .orElseThrow(() -> new IllegalArgumentException(
                        "the ssh provider needs its hosts: set ssh.hosts (--hosts) to a hosts file or a list"
                                + " 'user@host[:port][/slots],...'"));
        HostsFile.Defaults defaults = new HostsFile.Defaults(
                SshSettings.USER.read(options).orElse(System.getProperty("user.name")),
                SshSettings.IDENTITY.read(options).map(HostsFile::expandHome),
                SshSettings.DIR.read(options));
        List<HostSpec> hosts = HostsFile.parse(value, defaults);
        Path known = Path.of(HostsFile.expandHome(
                SshSettings.KNOWN_HOSTS.read(options).orElse(System.getProperty("user.home") + "/.ssh/known_hosts")));
        for (HostSpec h : hosts) {
            if (h.identity().isPresent()
                    && !Files.isRegularFile(Path.of(h.identity().get()))) {
                throw new IllegalArgumentException("host " + h.name() + ": the identity file "
                        + h.identity().get()
                        + " does not exist (identity in the hosts file, or ssh.identity/--identity)");
            }
        }
        int maxWorkers = SshSettings.MAX_WORKERS.read(options);
        SshOptions o = new SshOptions(hosts, known, SshSettings.CONNECT_TIMEOUT.read(options), maxWorkers, true, false);
        if (o.slots() == 0) {
            throw new IllegalArgumentException("ssh.hosts: no host has slots for workers (give 'slots:' > 0)");
        }
        String max = options.get(ControllerSpecs.MAX);
        if (max != null && max.strip().matches("\\d+") && Integer.parseInt(max.strip()) > o.capacity()) {
            throw new IllegalArgumentException(ControllerSpecs.MAX + " (--adapt) is " + max.strip()
                    + ", more workers than the hosts have slots for (" + o.capacity() + "): lower it, or give"
                    + " the hosts more slots");
        }
        return o;
    }

    /** The directory of the controller's files when this JVM is cluster {@code clusterId}'s scheduler. */
    static Optional<Path> controllerDir(String clusterId) {
        String dir = System.getProperty(HostScripts.CLUSTER_DIR_PROPERTY);
        if (dir == null) {
            return Optional.empty();
        }
        Path d = Path.of(dir).resolve(CONTROLLER_DIR);
        try {
            String id = Files.readString(d.resolve("cluster-id"), StandardCharsets.US_ASCII)
                    .strip();
            return id.equals(clusterId) ? Optional.of(d) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The host the scheduler runs on. */
    HostSpec schedulerHost() {
        return hosts.stream().filter(HostSpec::scheduler).findFirst().orElse(hosts.get(0));
    }

    /** The host named {@code name}. */
    Optional<HostSpec> host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
    }

    /** Worker slots of all hosts. */
    int slots() {
        return hosts.stream().mapToInt(HostSpec::slots).sum();
    }

    /** The most workers the cluster may have: the slots, and the hard maximum. */
    int capacity() {
        return Math.min(slots(), maxWorkers);
    }

    /** Hosts that run engine processes (the scheduler's, and those with slots). */
    List<HostSpec> engineHosts() {
        return hosts.stream().filter(h -> h.scheduler() || h.slots() > 0).toList();
    }
}
