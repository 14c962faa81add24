package dev.jcloud.providers.ssh;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A cluster on machines you already have, reached over SSH: the scheduler on one host, workers on
 * the hosts with free slots.
 *
 * <pre>{@code
 * try (SshCluster cluster = SshCluster.builder()
 *         .hosts(Path.of("hosts.yaml")).workers(6).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() stops every process on every host and removes the cluster's files and key
 * }</pre>
 *
 * <p>Host keys are checked strictly against {@code ~/.ssh/known_hosts} (or {@link Builder#knownHosts});
 * logins use the hosts' identity files, {@link Builder#identity}, the SSH agent or {@code ~/.ssh/id_*}.
 * Mutual TLS is on by default. A cluster built here also appears in {@code jcloud cluster list}
 * and can be removed with {@code jcloud cluster down NAME}; if this program dies without closing it,
 * the scheduler removes it after its idle timeout.
 */
public final class SshCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(3);

    private SshCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new cluster on SSH hosts. */
    public static Builder builder() {
        return new Builder();
    }

    /** A handle on the running SSH cluster {@code name}; {@link #close()} leaves it running. */
    public static SshCluster attach(String name) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(new SshProvider()), ClusterStateStore.forUser());
        return new SshCluster(provisioner, running(provisioner, name, "ssh", "SSH hosts"), false);
    }

    /**
     * Options of an {@link SshCluster}; {@link #build()} validates them and creates it. Defaults: name
     * {@code ssh-xxxx}, 4 workers of 1 thread, idle timeout 20m, death timeout 60s, start timeout 3
     * minutes (the hosts are running already; only the engine is copied), TLS on.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, SshProvider> {

        private Builder() {
            super(ProvisionedCluster.Defaults.remote("ssh").withStartTimeout(Duration.ofMinutes(3)));
            option(ClusterTrust.OPTION, "true");
        }

        /** The hosts file (YAML or JSON; see docs/ssh.md). */
        public Builder hosts(Path hostsFile) {
            return option(SshSettings.HOSTS.path(), hostsFile.toAbsolutePath().toString());
        }

        /** The hosts as {@code user@host[:port][/slots]} items. */
        public Builder hosts(String... hosts) {
            return option(SshSettings.HOSTS.path(), String.join(",", hosts));
        }

        /** The known_hosts file host keys are checked against (default ~/.ssh/known_hosts). */
        public Builder knownHosts(Path file) {
            return option(SshSettings.KNOWN_HOSTS.path(), file.toAbsolutePath().toString());
        }

        /** The private key of hosts that name none (default: the SSH agent and ~/.ssh/id_*). */
        public Builder identity(Path file) {
            return option(SshSettings.IDENTITY.path(), file.toAbsolutePath().toString());
        }

        /** The directory on each host for the engine and the clusters' files (default .jcloud in the home). */
        public Builder directory(String dir) {
            return option(SshSettings.DIR.path(), dir);
        }

        /** Hard limit on the number of workers (default 1000; the hosts' slots limit them too). */
        public Builder maxWorkers(int max) {
            return option(SshSettings.MAX_WORKERS.path(), Integer.toString(max));
        }

        /** What adaptive scaling favours: {@code cost} (default), {@code balanced} or {@code latency}. */
        public Builder adaptGoal(String goal) {
            return option(dev.jcloud.provisioner.ControllerSpecs.GOAL, goal);
        }

        /** Mutual TLS between every party (default true). */
        public Builder tls(boolean tls) {
            return option(ClusterTrust.OPTION, Boolean.toString(tls));
        }

        /** Creates the cluster and returns once every worker is registered. */
        public SshCluster build() {
            Started s = start(new SshProvider());
            return new SshCluster(s.provisioner(), s.record(), owned());
        }
    }
}
