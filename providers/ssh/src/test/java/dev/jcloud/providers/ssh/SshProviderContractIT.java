package dev.jcloud.providers.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ssh provider passes the provider contract against three real OpenSSH hosts in network
 * namespaces (two of them behind a bastion), with mutual TLS on, and is found by ServiceLoader.
 */
class SshProviderContractIT extends CloudProviderContract {

    @RegisterExtension
    static final NamespaceHosts HOSTS = new NamespaceHosts();

    @Override
    protected CloudProvider newProvider() {
        return new SshProvider();
    }

    @Override
    protected Map<String, String> options() {
        return Map.of(
                SshSettings.HOSTS.path(),
                HOSTS.hostsFile().toString(),
                SshSettings.KNOWN_HOSTS.path(),
                HOSTS.knownHosts().toString(),
                "tls",
                "true");
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of(Capability.DISCOVERY, Capability.GC, Capability.WORKER_MAXIMUM);
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return true;
    }

    @Override
    protected Map<String, String> workerMaximum(int max) {
        return Map.of(SshSettings.MAX_WORKERS.path(), Integer.toString(max));
    }

    @Override
    protected List<PlatformResource> platformResources() {
        return HostResources.list(HOSTS);
    }

    /** kill -9 of the node's whole process group, as a crash of its host's processes. */
    @Override
    protected void crash(ClusterContext cluster, Node node) {
        String pgid = node.id().substring(node.id().lastIndexOf(':') + 1);
        NamespaceHosts.run("kill", "-KILL", "--", "-" + pgid);
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(Long.parseLong(pgid)).isEmpty());
    }

    /** Logins the hosts' sshd accepted so far. */
    @Override
    protected long platformRequests() {
        long n = 0;
        for (NamespaceHosts.Host h : HOSTS.hosts()) {
            try {
                n += Files.readAllLines(h.sshdLog()).stream()
                        .filter(l -> l.contains("Accepted publickey"))
                        .count();
            } catch (IOException e) {
                // no log yet: no login yet
            }
        }
        return n;
    }

    @Test
    void isFoundByServiceLoaderUnderItsName() {
        assertThat(CloudProviders.load().available()).contains("ssh");
        assertThat(CloudProviders.load().require("ssh")).isInstanceOf(SshProvider.class);
    }
}
