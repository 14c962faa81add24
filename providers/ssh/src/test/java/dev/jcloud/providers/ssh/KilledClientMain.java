package dev.jcloud.providers.ssh;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client program for {@link SshClusterIT}: starts a cluster on the hosts with a 45 s idle timeout
 * (longer than its workers take to start on a loaded machine), connects, prints
 * {@code READY <cluster-id>} and waits to be killed. A failed start keeps what it made, so the test
 * can show the hosts' logs.
 */
public final class KilledClientMain {

    private KilledClientMain() {}

    public static void main(String[] args) throws Exception {
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(new SshProvider()), new ClusterStateStore(Path.of(args[2])));
        ClusterRequest request = ClusterRequest.named("it-killed")
                .withWorkers(2)
                .withIdleTimeout(Duration.ofSeconds(45))
                .withStartTimeout(Duration.ofMinutes(3))
                .withOption(SshSettings.HOSTS.path(), args[0])
                .withOption(SshSettings.KNOWN_HOSTS.path(), args[1])
                .withOption("tls", "true")
                .withOption(Provisioner.KEEP_ON_FAILURE, "true");
        ClusterRecord record = provisioner.up("ssh", request, 0, (step, seconds) -> System.out.println(step));
        Client client = provisioner.connect(record);
        client.summary();
        System.out.println("READY " + record.id());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
}
