package dev.jcloud.providers.gcp;

import com.google.cloud.compute.v1.AggregatedListDisksRequest;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.ListFirewallsRequest;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import dev.jcloud.provisioner.net.CallerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GCP provider passes the provider contract against {@link FakeComputeEngine} (one fake per
 * class, reset before each test). The fake boots nothing, so the contract runs the engine the VMs
 * would run. Firewall rules and service accounts take no labels: the cluster id they carry is in
 * their names and descriptions, which is what the provider finds them by.
 */
class GcpProviderContractTest extends CloudProviderContract {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String PROJECT = FakeComputeEngine.PROJECT;
    private static final Pattern DESCRIBED_ID = Pattern.compile("\\(id ([0-9a-z]+),");
    private static final Pattern ACCOUNT_ID = Pattern.compile("^jcloud-([0-9a-z]+)@");

    private GcpClients gcp;

    @BeforeEach
    void connect() {
        gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()));
    }

    @AfterEach
    void disconnect() {
        gcp.close();
    }

    @Override
    protected CloudProvider newProvider() {
        return new GcpProvider(
                GcpClients.withoutCredentials(), CallerAddress.fixed(GcpOptions.ALLOW_FROM, "203.0.113.7/32"));
    }

    @Override
    protected Map<String, String> options() {
        return Map.of(
                GcpOptions.PROJECT,
                PROJECT,
                GcpOptions.ENDPOINT,
                GCE.endpoint(),
                GcpOptions.ENGINE_URL,
                "https://engine.example/jcloud-engine.jar",
                GcpOptions.ENGINE_SHA256,
                "0".repeat(64),
                GcpOptions.OPERATION_TIMEOUT,
                "30");
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of(Capability.DISCOVERY, Capability.GC, Capability.WORKER_MAXIMUM);
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return false;
    }

    @Override
    protected Map<String, String> workerMaximum(int max) {
        return Map.of(GcpOptions.MAX_WORKERS, Integer.toString(max));
    }

    @Override
    protected List<PlatformResource> platformResources() {
        List<PlatformResource> out = new ArrayList<>();
        gcp.instances()
                .aggregatedList(AggregatedListInstancesRequest.newBuilder()
                        .setProject(PROJECT)
                        .build())
                .iterateAll()
                .forEach(e -> e.getValue()
                        .getInstancesList()
                        .forEach(i -> out.add(PlatformResource.of(
                                "instance", i.getName(), i.getLabelsMap().get(Labels.CLUSTER_ID)))));
        gcp.disks()
                .aggregatedList(AggregatedListDisksRequest.newBuilder()
                        .setProject(PROJECT)
                        .build())
                .iterateAll()
                .forEach(e -> e.getValue()
                        .getDisksList()
                        .forEach(d -> out.add(PlatformResource.of(
                                "disk", d.getName(), d.getLabelsMap().get(Labels.CLUSTER_ID)))));
        gcp.firewalls()
                .list(ListFirewallsRequest.newBuilder().setProject(PROJECT).build())
                .iterateAll()
                .forEach(f ->
                        out.add(PlatformResource.of("firewall", f.getName(), match(DESCRIBED_ID, f.getDescription()))));
        GCE.serviceAccounts().forEach(a -> out.add(PlatformResource.of("service-account", a, match(ACCOUNT_ID, a))));
        return out;
    }

    @Override
    protected void crash(ClusterContext cluster, Node node) {
        String[] zoneAndName = node.id().split("/", 2);
        try {
            gcp.instances().deleteAsync(PROJECT, zoneAndName[0], zoneAndName[1]).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot delete " + node.id() + " in the fake: " + e, e);
        }
    }

    @Override
    protected long platformRequests() {
        return GCE.calls().size();
    }

    private static String match(Pattern p, String text) {
        Matcher m = p.matcher(text == null ? "" : text);
        return m.find() ? m.group(1) : null;
    }
}
