package dev.jcloud.providers.ssh;

import dev.jcloud.engine.api.Client;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client program for {@link SshClusterIT}: starts a cluster on the hosts with a 20 s idle timeout,
 * connects, prints {@code READY <cluster-id>} and waits to be killed.
 */
public final class KilledClientMain {

    private KilledClientMain() {}

    public static void main(String[] args) throws Exception {
        SshCluster cluster = SshCluster.builder()
                .name("it-killed")
                .hosts(Path.of(args[0]))
                .knownHosts(Path.of(args[1]))
                .stateDirectory(Path.of(args[2]))
                .workers(2)
                .idleTimeout(Duration.ofSeconds(5))
                .build();
        Client client = cluster.connect();
        client.summary();
        String id = new dev.jcloud.provisioner.ClusterStateStore(Path.of(args[2]))
                .load("it-killed")
                .orElseThrow()
                .id();
        System.out.println("READY " + id);
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
}
