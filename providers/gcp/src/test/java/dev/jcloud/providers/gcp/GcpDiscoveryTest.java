package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.Firewall;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.ListFirewallsRequest;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another machine finds a GCP cluster with nothing but the project, and takes it down: the
 * cluster's context is rebuilt from its scheduler instance (labels, recorded options, zone, service
 * account), against {@link FakeComputeEngine} through the official SDK. The cluster is made with
 * what a bare {@code --project} would get wrong: another zone, TLS secrets, an uploaded engine in
 * a bucket of its own, a machine type of its own.
 */
class GcpDiscoveryTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String PROJECT = FakeComputeEngine.PROJECT;
    private static final String BUCKET = "team-engines-7";

    @TempDir
    Path dir;

    private GcpClients gcp;
    private EngineBundle bundle;

    @BeforeEach
    void setUp() throws Exception {
        gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()));
        byte[] bytes = "an engine bundle".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bundle = new EngineBundle(
                Files.write(dir.resolve("engine.tar.gz"), bytes),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    @Test
    void anotherMachineWithOnlyTheProjectFindsScalesAndRemovesEverythingOfTheCluster() {
        Map<String, String> made = new HashMap<>(where());
        made.put(GcpOptions.ZONE, "us-central1-b");
        made.put(GcpOptions.MACHINE_TYPE, "e2-standard-2");
        made.put(GcpOptions.ENGINE_BUCKET, BUCKET);
        made.put(GcpOptions.OPERATION_TIMEOUT, "30");
        made.put(ClusterTrust.OPTION, "true");
        ClusterContext c = new ClusterContext("disco", ClusterNames.newId(), dir.resolve("disco"), made);
        GcpProvider first = provider();
        first.bootstrap(c);
        first.launch(c, TestLaunches.scheduler(c));
        first.launch(c, TestLaunches.workers(c, "pending:8786", 0, 1));
        // A cluster whose scheduler is stopped is no running cluster: not found, left to gc.
        Map<String, String> plain = new HashMap<>(made);
        plain.remove(ClusterTrust.OPTION);
        ClusterContext stopped = new ClusterContext("halted", ClusterNames.newId(), dir.resolve("halted"), plain);
        first.bootstrap(stopped);
        Node halted = first.launch(stopped, TestLaunches.scheduler(stopped)).get(0);
        GCE.stopInstance("us-central1-b", halted.id().substring("us-central1-b/".length()));
        assertThat(GCE.secrets()).anyMatch(s -> s.contains(c.id()));
        assertThat(GCE.<String>storage(s -> s.policy(BUCKET).toString())).contains(c.id());

        List<ClusterContext> found = provider().discover(where());

        assertThat(found).extracting(ClusterContext::name, ClusterContext::id).containsExactly(tuple(c));
        Map<String, String> options = found.get(0).options();
        assertThat(options)
                .containsEntry(GcpOptions.PROJECT, PROJECT)
                .containsEntry(GcpOptions.ZONE, "us-central1-b")
                .containsEntry(GcpOptions.MACHINE_TYPE, "e2-standard-2")
                .containsEntry(GcpOptions.ENGINE_BUCKET, BUCKET)
                .containsEntry(ClusterTrust.OPTION, "true")
                .doesNotContainKey(GcpOptions.SERVICE_ACCOUNT)
                .doesNotContainKey(GcpOptions.ENGINE_URL);

        // Scaling from the other machine: the recorded machine type, the scheduler's zone and engine.
        ClusterContext other = new ClusterContext(c.name(), c.id(), dir.resolve("other"), options);
        Node added = provider()
                .launch(other, TestLaunches.workers(other, "pending:8786", 1, 1))
                .get(0);
        Instance worker = instance(added.id());
        assertThat(worker.getMachineType()).endsWith("/e2-standard-2");
        assertThat(worker.getZone()).endsWith("/us-central1-b");
        assertThat(worker.getMetadata().getItemsList())
                .anyMatch(i -> i.getKey().equals(BootMetadata.BOOT_SCRIPT_KEY)
                        && i.getValue().contains("/b/" + BUCKET + "/o/engine%2F" + bundle.sha256()));

        // Down from the other machine (the contract test drives the same through the provisioner).
        GcpProvider second = provider();
        second.terminate(other, second.nodes(other));
        second.deleteSharedResources(other);

        assertThat(instances("labels.jcloud-cluster-id = \"" + c.id() + "\"")).isEmpty();
        assertThat(firewalls()).extracting(Firewall::getName).noneMatch(n -> n.contains(c.id()));
        assertThat(GCE.serviceAccounts()).noneMatch(a -> a.contains(c.id()));
        assertThat(GCE.secrets()).noneMatch(s -> s.contains(c.id()));
        assertThat(GCE.projectPolicy().toString()).doesNotContain(c.id());
        assertThat(GCE.<String>storage(s -> s.policy(BUCKET).toString())).doesNotContain(c.id());
        assertThat(provider().discover(where())).isEmpty();
        // The stopped cluster is still all there, for gc.
        assertThat(firewalls()).extracting(Firewall::getName).anyMatch(n -> n.contains(stopped.id()));
    }

    @Test
    void aGivenServiceAccountIsCarriedSoThatWorkersRunAsItAndDownLeavesIt() {
        String account = "runner@" + PROJECT + ".iam.gserviceaccount.com";
        GCE.addServiceAccount(account);
        Map<String, String> made = new HashMap<>(where());
        made.put(GcpOptions.SERVICE_ACCOUNT, account);
        made.put(GcpOptions.ENGINE_URL, "https://engine.example/jcloud-engine.jar");
        made.put(GcpOptions.ENGINE_SHA256, "0".repeat(64));
        ClusterContext c = new ClusterContext("given", ClusterNames.newId(), dir.resolve("given"), made);
        provider().bootstrap(c);
        provider().launch(c, TestLaunches.scheduler(c));

        ClusterContext found = provider().discover(where()).get(0);

        assertThat(found.options())
                .containsEntry(GcpOptions.SERVICE_ACCOUNT, account)
                .containsEntry(GcpOptions.ENGINE_URL, "https://engine.example/jcloud-engine.jar")
                .containsEntry(GcpOptions.ZONE, GcpOptions.DEFAULT_ZONE);
        ClusterContext other = new ClusterContext(found.name(), found.id(), dir.resolve("o"), found.options());
        Node worker = provider()
                .launch(other, TestLaunches.workers(other, "pending:8786", 0, 1))
                .get(0);
        assertThat(instance(worker.id()).getServiceAccounts(0).getEmail()).isEqualTo(account);
        GcpProvider second = provider();
        second.terminate(other, second.nodes(other));
        second.deleteSharedResources(other);
        assertThat(GCE.serviceAccounts()).containsExactly(account);
        assertThat(instances("labels.jcloud-cluster-id:*")).isEmpty();
        assertThat(firewalls()).isEmpty();
    }

    private GcpProvider provider() {
        return new GcpProvider(
                GcpClients.withoutCredentials(), CallerAddress.fixed(GcpOptions.ALLOW_FROM, "203.0.113.7/32"), x -> {
                    assertThat(x.options()).doesNotContainKey(GcpOptions.ENGINE_URL);
                    return bundle;
                });
    }

    /** What the other machine knows: the project (and the fake's endpoint). */
    private static Map<String, String> where() {
        return Map.of(GcpOptions.PROJECT, PROJECT, GcpOptions.ENDPOINT, GCE.endpoint());
    }

    private static org.assertj.core.groups.Tuple tuple(ClusterContext c) {
        return org.assertj.core.groups.Tuple.tuple(c.name(), c.id());
    }

    private Instance instance(String nodeId) {
        String[] zoneAndName = nodeId.split("/", 2);
        return gcp.instances().get(PROJECT, zoneAndName[0], zoneAndName[1]);
    }

    private List<Instance> instances(String filter) {
        List<Instance> out = new ArrayList<>();
        gcp.instances()
                .aggregatedList(AggregatedListInstancesRequest.newBuilder()
                        .setProject(PROJECT)
                        .setFilter(filter)
                        .build())
                .iterateAll()
                .forEach(e -> out.addAll(e.getValue().getInstancesList()));
        return out;
    }

    private List<Firewall> firewalls() {
        List<Firewall> out = new ArrayList<>();
        gcp.firewalls()
                .list(ListFirewallsRequest.newBuilder().setProject(PROJECT).build())
                .iterateAll()
                .forEach(out::add);
        return out;
    }
}
