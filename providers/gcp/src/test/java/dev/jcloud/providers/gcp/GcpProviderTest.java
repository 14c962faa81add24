package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.compute.v1.AggregatedListDisksRequest;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.Allowed;
import com.google.cloud.compute.v1.Disk;
import com.google.cloud.compute.v1.Firewall;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.ListFirewallsRequest;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GCP provider against {@link FakeComputeEngine}, through the official SDK: what it creates,
 * labels, launches and removes, asserted on what the fake reports through the SDK (and, for IAM,
 * which has no SDK here, on the fake's recorded policy). The fake boots no machines, so the wait
 * for a listening engine is only exercised up to its deadline.
 */
class GcpProviderTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String PROJECT = FakeComputeEngine.PROJECT;
    private static final String CALLER = "203.0.113.7/32";
    private static final String SHA = "0".repeat(64);
    private static final String ENGINE_URL = "https://engine.example/jcloud-engine.jar";

    @TempDir
    Path dir;

    private GcpClients gcp;
    private GcpProvider provider;

    @BeforeEach
    void setUp() {
        gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()));
        provider = new GcpProvider(GcpClients.withoutCredentials(), CallerAddress.fixed(GcpOptions.ALLOW_FROM, CALLER));
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    @Test
    void upCreatesFirewallRulesIdentityAndLabelledInstancesWorkersInOneBulkInsert() {
        ClusterContext c = cluster("alpha", Map.of(GcpOptions.LABEL_PREFIX + "team", "data-eng"));

        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 3));

        // Firewall rules: engine ports only from the caller, to the scheduler's tag; everything between nodes.
        Firewall allowFrom = firewall("jcloud-" + c.id() + "-allow-from");
        assertThat(allowFrom.getDirection()).isEqualTo("INGRESS");
        assertThat(allowFrom.getNetwork()).endsWith("/projects/" + PROJECT + "/global/networks/default");
        assertThat(allowFrom.getSourceRangesList()).containsExactly(CALLER);
        assertThat(allowFrom.getAllowedList()).singleElement().satisfies(a -> {
            assertThat(a.getIPProtocol()).isEqualTo("tcp");
            assertThat(a.getPortsList()).containsExactly("8786", "8787");
        });
        assertThat(allowFrom.getTargetTagsList()).containsExactly("jcloud-" + c.id() + "-scheduler");
        assertThat(allowFrom.getDescription()).startsWith("jcloud cluster alpha (id " + c.id() + ", created ");
        Firewall internal = firewall("jcloud-" + c.id() + "-internal");
        assertThat(internal.getSourceRangesList()).isEmpty();
        assertThat(internal.getSourceTagsList()).containsExactly("jcloud-" + c.id());
        assertThat(internal.getTargetTagsList()).containsExactly("jcloud-" + c.id());
        assertThat(internal.getAllowedList()).extracting(Allowed::getIPProtocol).containsExactly("all");
        assertThat(firewalls()).flatExtracting(Firewall::getSourceRangesList).doesNotContain("0.0.0.0/0");

        // Identity: a service account per cluster, with conditioned roles.
        String account = "jcloud-" + c.id() + "@" + PROJECT + ".iam.gserviceaccount.com";
        assertThat(GCE.serviceAccounts()).contains(account);
        JsonNode policy = GCE.projectPolicy();
        assertThat(policy.path("version").asInt()).isEqualTo(3);
        assertThat(bindingsOf(policy, "serviceAccount:" + account))
                .containsExactlyInAnyOrder(
                        "roles/compute.viewer",
                        "roles/compute.instanceAdmin.v1 if jcloud-" + c.id() + "-instances",
                        "roles/compute.securityAdmin if jcloud-" + c.id() + "-firewalls");
        assertThat(policy.toString())
                .contains("endsWith(\\\"-" + c.id().substring(0, 8) + "\\\")")
                .contains("startsWith(\\\"jcloud-" + c.id() + "-\\\")");
        assertThat(GCE.serviceAccountPolicy(account).toString())
                .contains("roles/iam.serviceAccountUser")
                .contains("serviceAccount:" + account);

        // Instances: labels for discovery, tags for the firewall, the boot script as metadata.
        List<Instance> instances = instances(Labels.clusterFilter(c));
        assertThat(instances).hasSize(4);
        String suffix = "-" + c.id().substring(0, 8);
        assertThat(instances)
                .extracting(Instance::getName)
                .containsExactlyInAnyOrder(
                        "alpha-scheduler" + suffix,
                        "alpha-worker-0" + suffix,
                        "alpha-worker-1" + suffix,
                        "alpha-worker-2" + suffix);
        assertThat(workers)
                .extracting(Node::id)
                .containsExactly(
                        "us-central1-a/alpha-worker-0" + suffix,
                        "us-central1-a/alpha-worker-1" + suffix,
                        "us-central1-a/alpha-worker-2" + suffix);
        Instance schedulerVm = instance("alpha-scheduler" + suffix);
        String schedulerIp = schedulerVm.getNetworkInterfaces(0).getNetworkIP();
        for (Instance i : instances) {
            boolean isScheduler = i.getName().startsWith("alpha-scheduler");
            assertThat(i.getLabelsMap())
                    .containsEntry("jcloud-cluster", "alpha")
                    .containsEntry("jcloud-cluster-id", c.id())
                    .containsEntry("jcloud-role", isScheduler ? "scheduler" : "worker")
                    .containsEntry(
                            "jcloud-node", i.getName().substring(0, i.getName().length() - suffix.length()))
                    .containsEntry("team", "data-eng")
                    .containsEntry("jcloud-creator", "none")
                    .containsKey("jcloud-version");
            assertThat(i.getTags().getItemsList())
                    .containsExactlyElementsOf(
                            isScheduler
                                    ? List.of("jcloud-" + c.id(), "jcloud-" + c.id() + "-scheduler")
                                    : List.of("jcloud-" + c.id()));
            assertThat(i.getServiceAccountsList()).singleElement().satisfies(sa -> {
                assertThat(sa.getEmail()).isEqualTo(account);
                assertThat(sa.getScopesList()).containsExactly(GcpClients.CLOUD_PLATFORM);
            });
            assertThat(i.getScheduling().getProvisioningModel()).isEqualTo("STANDARD");
            assertThat(i.getMachineType())
                    .endsWith(isScheduler ? "/machineTypes/e2-standard-2" : "/machineTypes/e2-standard-4");
            assertThat(i.getNetworkInterfaces(0).getAccessConfigsList())
                    .extracting(a -> a.getType())
                    .containsExactly("ONE_TO_ONE_NAT");
            assertThat(metadata(i, BootMetadata.STARTUP_SCRIPT_KEY)).isEqualTo(BootMetadata.STARTUP_SCRIPT);
            String boot = metadata(i, BootMetadata.BOOT_SCRIPT_KEY);
            assertThat(boot)
                    .startsWith("#!/bin/bash")
                    .contains(ENGINE_URL)
                    .contains(SHA)
                    .contains("export JCLOUD_CLUSTER_ID='" + c.id() + "'");
            if (isScheduler) {
                assertThat(boot).contains("'scheduler'").contains("'--port'\n  '8786'");
            } else {
                // Workers reach the scheduler at its private address; each finds its name by its instance name.
                assertThat(boot)
                        .contains("'worker'\n  '" + schedulerIp + ":8786'")
                        .contains("computeMetadata/v1")
                        .contains("'alpha-worker-2" + suffix + "'");
            }
            assertNoSecrets(i);
        }
        // The three workers came from ONE bulkInsert (all or none); the scheduler from another.
        List<FakeComputeEngine.Call> bulk = GCE.calls("POST", ".*/zones/us-central1-a/instances/bulkInsert");
        assertThat(bulk).hasSize(2);
        assertThat(bulk.get(1).body()).contains("\"count\":\"3\"").contains("\"minCount\":\"3\"");
        assertThat(GCE.calls("POST", ".*/instances")).isEmpty();

        // Boot disks carry the labels too.
        List<Disk> disks = disks(Labels.clusterFilter(c));
        assertThat(disks).hasSize(4).allSatisfy(d -> {
            assertThat(d.getLabelsMap())
                    .containsEntry("jcloud-cluster-id", c.id())
                    .containsEntry("team", "data-eng");
            assertThat(d.getSizeGb()).isEqualTo(20);
        });

        assertThat(provider.nodes(c))
                .extracting(Node::name, Node::role)
                .containsExactlyInAnyOrder(
                        Tuple.tuple("alpha-scheduler", NodeRole.SCHEDULER),
                                Tuple.tuple("alpha-worker-0", NodeRole.WORKER),
                        Tuple.tuple("alpha-worker-1", NodeRole.WORKER), Tuple.tuple("alpha-worker-2", NodeRole.WORKER));
        assertThat(provider.schedulerAddressAtLaunch(c, scheduler)).hasValue(schedulerIp + ":8786");
    }

    @Test
    void spotWorkersAreDeletedOnPreemptionAndTheSchedulerStaysOnDemand() {
        ClusterContext c = cluster("spotty", Map.of(GcpOptions.SPOT, "true", GcpOptions.MACHINE_TYPE, "e2-standard-4"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        for (Instance i : instances(Labels.clusterFilter(c))) {
            if ("worker".equals(i.getLabelsMap().get("jcloud-role"))) {
                assertThat(i.getScheduling().getProvisioningModel()).isEqualTo("SPOT");
                assertThat(i.getScheduling().getInstanceTerminationAction()).isEqualTo("DELETE");
                assertThat(i.getScheduling().getAutomaticRestart()).isFalse();
                assertThat(i.getScheduling().getOnHostMaintenance()).isEqualTo("TERMINATE");
                assertThat(i.getMachineType()).endsWith("/e2-standard-4");
                // The ~30 s preemption notice retires the worker gracefully (its results move first).
                assertThat(metadata(i, BootMetadata.BOOT_SCRIPT_KEY))
                        .contains("instance/preempted")
                        .contains("'--interruption-file'")
                        .contains("jcloud_step_watch() {");
            } else {
                assertThat(metadata(i, BootMetadata.BOOT_SCRIPT_KEY)).doesNotContain("instance/preempted");
                assertThat(i.getScheduling().getProvisioningModel()).isEqualTo("STANDARD");
                assertThat(i.getMachineType()).endsWith("/e2-standard-2");
            }
        }
    }

    @Test
    void spotRefusedFallsBackToOnDemand() {
        GCE.refuseSpot();
        ClusterContext c = cluster("frugal", Map.of(GcpOptions.SPOT, "true", GcpOptions.ZONES, "us-central1-b"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        assertThat(workers).hasSize(2);
        assertThat(instances(Labels.clusterFilter(c) + " AND labels.jcloud-role = worker"))
                .hasSize(2)
                .allSatisfy(i -> {
                    assertThat(i.getScheduling().getProvisioningModel()).isEqualTo("STANDARD");
                    assertThat(i.getZone()).endsWith("/us-central1-a");
                });
        // Spot was tried first in every allowed zone, then on-demand in the scheduler's zone.
        assertThat(GCE.calls("POST", ".*/instances/bulkInsert"))
                .extracting(call -> zoneOf(call.path()) + (call.body().contains("\"SPOT\"") ? " spot" : ""))
                .containsExactly("us-central1-a", "us-central1-a spot", "us-central1-b spot", "us-central1-a");
    }

    @Test
    void exhaustedZoneFallsBackToTheOtherAllowedZonesThenFailsNamingEveryRefusal() {
        GCE.exhaustZone("us-central1-a");
        ClusterContext c = cluster("roamer", Map.of(GcpOptions.ZONES, "us-central1-b,us-central1-c"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        // The scheduler moved to the next zone, and the workers followed it there first.
        assertThat(instances(Labels.clusterFilter(c)))
                .hasSize(3)
                .allSatisfy(i -> assertThat(i.getZone()).endsWith("/us-central1-b"));
        assertThat(GCE.calls("POST", ".*/instances/bulkInsert"))
                .extracting(call -> zoneOf(call.path()))
                .containsExactly("us-central1-a", "us-central1-b", "us-central1-b");

        GCE.exhaustZone("us-central1-b");
        GCE.exhaustZone("us-central1-c");
        assertThatThrownBy(() -> provider.launch(c, TestLaunches.workers(c, "pending:8786", 2, 2)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("no zone had room for 2 worker instance(s) of type e2-standard-4")
                .hasMessageContaining("us-central1-a: creating")
                .hasMessageContaining("us-central1-c: creating")
                .hasMessageContaining("ZONE_RESOURCE_POOL_EXHAUSTED")
                .hasMessageContaining("allow more zones of region us-central1 with gcp.zones");
        assertThat(provider.nodes(c)).hasSize(3);
    }

    @Test
    void scaleAddsWorkersInOneCallAndTerminateDeletesOnlyTheChosenOnes() {
        ClusterContext c = cluster("beta", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> first = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        List<Node> more = provider.launch(c, TestLaunches.workers(c, "pending:8786", 2, 3));
        assertThat(GCE.calls("POST", ".*/instances/bulkInsert")).hasSize(3);

        ClusterContext other = cluster("gamma", Map.of());
        provider.bootstrap(other);
        Node foreign = provider.launch(other, TestLaunches.scheduler(other)).get(0);

        provider.terminate(c, List.of(first.get(0), more.get(1), foreign)); // never another cluster's node

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder("beta-scheduler", "beta-worker-1", "beta-worker-2", "beta-worker-4");
        assertThat(provider.nodes(other)).extracting(Node::id).containsExactly(foreign.id());
        // Deleted through the API, disks and all: a stopped instance would still bill for its disk.
        assertThat(GCE.calls("DELETE", ".*/instances/.*")).hasSize(2);
        assertThat(disks(Labels.clusterFilter(c))).hasSize(4);
    }

    @Test
    void downLeavesNoLabelledResourceAndCanRunAgain() {
        ClusterContext c = cluster("delta", Map.of());
        provider.bootstrap(c);
        provider.bootstrap(c); // reconciles: nothing created twice
        assertThat(firewalls()).hasSize(2);
        assertThat(GCE.serviceAccounts()).hasSize(1);
        assertThat(bindingsOf(GCE.projectPolicy(), "serviceAccount:" + GceNames.serviceAccountEmail(c, PROJECT)))
                .hasSize(3);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        // A guest shutdown only stops a GCE instance: it is no node any more, but it still exists (and bills).
        GCE.stopInstance("us-central1-a", workers.get(0).id().substring("us-central1-a/".length()));
        assertThat(provider.nodes(c)).hasSize(2);

        provider.terminate(c, provider.nodes(c));
        provider.deleteSharedResources(c);
        provider.deleteSharedResources(c); // idempotent: a second down finds nothing and fails on nothing

        assertNoJcloudResources();
        assertThat(GCE.projectPolicy().path("bindings"))
                .extracting(JsonNode::toString)
                .singleElement()
                .asString()
                .contains("roles/owner");
    }

    @Test
    void firewallFollowsANewAllowFromWhenBootstrapRunsAgain() {
        ClusterContext c = cluster("eps", Map.of());
        provider.bootstrap(c);
        ClusterContext wider = new ClusterContext(
                c.name(),
                c.id(),
                c.workDir(),
                options(Map.of(GcpOptions.ALLOW_FROM, "198.51.100.0/24,203.0.113.7/32")));
        provider.bootstrap(wider);
        assertThat(firewall("jcloud-" + c.id() + "-allow-from").getSourceRangesList())
                .containsExactlyInAnyOrder("198.51.100.0/24", "203.0.113.7/32");
        assertThat(GCE.calls("PATCH", ".*/global/firewalls/.*")).hasSize(1);
    }

    @Test
    void failedUpThroughTheProvisionerRemovesEverythingItCreated() {
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));

        // The workers' bulkInsert operation fails half way (after the scheduler is up).
        GCE.failOperations("bulkInsert", "-worker-", "INTERNAL_ERROR", "Internal error. Please try again.", 500);
        assertThatThrownBy(() -> provisioner.up("gcp", request("zeta", 2), 0))
                .hasMessageContaining("INTERNAL_ERROR")
                .hasMessageContaining("creating 2 worker instance(s)");
        assertNoJcloudResources();

        // Mid-way through labelling the new workers: the second setLabels is refused.
        GCE.failRequests("POST", ".*/instances/[^/]+/setLabels", 1, 503, "backendError", "Backend Error");
        assertThatThrownBy(() -> provisioner.up("gcp", request("eta", 3), 0)).hasMessageContaining("Backend Error");
        assertNoJcloudResources();

        // Everything is created but the engine never answers: the deadline, with the scheduler's serial log.
        assertThatThrownBy(() -> provisioner.up("gcp", request("theta", 1).withStartTimeout(Duration.ofMillis(500)), 0))
                .hasMessageContaining("did not listen on 192.0.2.")
                .hasMessageContaining("fake-gce: theta-scheduler-");
        assertNoJcloudResources();
        assertThat(provisioner.list()).isEmpty();
    }

    @Test
    void awaitSchedulerFailsAtItsDeadlineWithTheSerialOutputAndEarlyWhenTheInstanceIsGone() throws Exception {
        ClusterContext c = cluster("iota", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        String name = scheduler.id().substring("us-central1-a/".length());
        GCE.appendSerialOutput(
                "us-central1-a",
                name,
                "jcloud-boot: the downloaded engine does not have SHA-256 " + SHA + "; not starting\n");
        assertThatThrownBy(() -> provider.awaitScheduler(c, scheduler, Instant.now()))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("did not listen on 192.0.2.")
                .hasMessageContaining("last lines of its serial port output")
                .hasMessageContaining("not starting");
        assertThat(provider.logTail(c, scheduler, 1)).contains("not starting");

        GCE.stopInstance("us-central1-a", name);
        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusSeconds(30)))
                .hasMessageContaining("is TERMINATED");
        gcp.instances().deleteAsync(PROJECT, "us-central1-a", name).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusSeconds(30)))
                .hasMessageContaining("is gone");
    }

    @Test
    void gcFindsAndRemovesOnlyTheResourcesOfClustersWithoutScheduler() throws Exception {
        ClusterContext live = cluster("live", Map.of());
        provider.bootstrap(live);
        provider.launch(live, TestLaunches.scheduler(live));
        provider.launch(live, TestLaunches.workers(live, "pending:8786", 0, 1));
        ClusterContext orphan = cluster("orphan", Map.of());
        provider.bootstrap(orphan);
        Node orphanScheduler =
                provider.launch(orphan, TestLaunches.scheduler(orphan)).get(0);
        Node orphanWorker = provider.launch(orphan, TestLaunches.workers(orphan, "pending:8786", 0, 1))
                .get(0);
        // The scheduler went away (its idle timeout, a crash); a worker, the rules and the account stayed.
        gcp.instances()
                .deleteAsync(PROJECT, "us-central1-a", orphanScheduler.id().substring("us-central1-a/".length()))
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        Map<String, String> settings = Map.of(GcpOptions.PROJECT, PROJECT, GcpOptions.ENDPOINT, GCE.endpoint());

        GcReport dry = provider.gc(settings, true, Duration.ZERO);
        assertThat(dry.deleted()).isFalse();
        assertThat(dry.clusterIds()).containsExactly(orphan.id());
        assertThat(dry.items())
                .extracting(GcReport.Item::kind, GcReport.Item::id)
                .containsExactlyInAnyOrder(
                        Tuple.tuple("instance", orphanWorker.id()),
                        Tuple.tuple("firewall", "jcloud-" + orphan.id() + "-allow-from"),
                        Tuple.tuple("firewall", "jcloud-" + orphan.id() + "-internal"),
                        Tuple.tuple("service-account", GceNames.serviceAccountEmail(orphan, PROJECT)));
        assertThat(dry.items()).extracting(GcReport.Item::clusterName).containsOnly("orphan");
        assertThat(provider.nodes(orphan)).hasSize(1); // a dry run deletes nothing

        assertThat(provider.gc(settings, true, Duration.ofHours(1)).items()).isEmpty(); // too young to be sure

        GcReport done = provider.gc(settings, false, Duration.ZERO);
        assertThat(done.deleted()).isTrue();
        assertThat(provider.nodes(orphan)).isEmpty();
        assertThat(firewalls()).extracting(Firewall::getName).allMatch(n -> n.startsWith("jcloud-" + live.id()));
        assertThat(GCE.serviceAccounts()).containsExactly(GceNames.serviceAccountEmail(live, PROJECT));
        assertThat(GCE.projectPolicy().toString()).doesNotContain(orphan.id());
        assertThat(provider.nodes(live)).hasSize(2);
        assertThat(provider.gc(settings, true, Duration.ZERO).items()).isEmpty();
    }

    @Test
    void badOptionsAreRejectedBeforeAnyRequestReachesTheFake() {
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.ZONE, "mars-1"))))
                .hasMessageContaining("invalid gcp.zone 'mars-1'");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.ZONES, "europe-west1-b"))))
                .hasMessageContaining("invalid gcp.zones 'europe-west1-b'")
                .hasMessageContaining("region us-central1");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.ALLOW_FROM, "10.0.0.1/8"))))
                .hasMessageContaining("gcp.allow-from must be")
                .hasMessageContaining("(was '10.0.0.1/8')")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.LABEL_PREFIX + "Team", "x"))))
                .hasMessageContaining("gcp.label.Team");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.LABEL_PREFIX + "team", "$(rm)"))))
                .hasMessageContaining("invalid gcp.label.team '$(rm)'");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.MACHINE_TYPE, "large"))))
                .hasMessageContaining("invalid gcp.machine-type 'large'");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.SPOT, "maybe"))))
                .hasMessageContaining("gcp.spot must be true or false (was 'maybe')");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(GcpOptions.ENGINE_SHA256, "abc"))))
                .hasMessageContaining("gcp.engine-sha256")
                .hasMessageContaining("64 hex digits");
        Map<String, String> noProject = new HashMap<>(options(Map.of()));
        noProject.remove(GcpOptions.PROJECT);
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("inp", "id2", dir, noProject)))
                .hasMessageContaining("set the Google Cloud project with gcp.project");
        Map<String, String> noEngine = new HashMap<>(options(Map.of()));
        noEngine.remove(GcpOptions.ENGINE_URL);
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("inp", "id3", dir, noEngine)))
                .hasMessageContaining("gcp.engine-url");
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("Bad_Name", "id1", dir, options(Map.of()))))
                .hasMessageContaining("not a valid cluster name");
        assertThatThrownBy(() -> provider.launch(
                        cluster("inp", Map.of(GcpOptions.IMAGE, "debian")),
                        TestLaunches.scheduler(cluster("inp", Map.of()))))
                .hasMessageContaining("invalid gcp.image 'debian'");
        assertThat(GCE.calls()).isEmpty();
    }

    @Test
    void anUnknownNetworkIsNamedInTheError() {
        ClusterContext c = cluster("kappa", Map.of(GcpOptions.NETWORK, "nowhere"));
        assertThatThrownBy(() -> provider.bootstrap(c))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("creating the firewall rules and identity of cluster kappa failed: 404")
                .hasMessageContaining("global/networks/nowhere' was not found");
    }

    @Test
    void givenNetworkSubnetworkAndServiceAccountAreUsedAndTheAccountIsLeftAlone() {
        GCE.addNetwork("jnet");
        GCE.addSubnetwork("us-central1", "jsub");
        String account = "runner@" + PROJECT + ".iam.gserviceaccount.com";
        GCE.addServiceAccount(account);
        ClusterContext c = cluster(
                "lambda",
                Map.of(GcpOptions.NETWORK, "jnet", GcpOptions.SUBNETWORK, "jsub", GcpOptions.SERVICE_ACCOUNT, account));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        assertThat(firewalls()).allSatisfy(f -> assertThat(f.getNetwork()).endsWith("/global/networks/jnet"));
        Instance vm = instances(Labels.clusterFilter(c)).get(0);
        assertThat(vm.getNetworkInterfaces(0).getSubnetwork()).endsWith("/regions/us-central1/subnetworks/jsub");
        assertThat(vm.getServiceAccounts(0).getEmail()).isEqualTo(account);
        assertThat(GCE.serviceAccounts()).containsExactly(account);
        assertThat(GCE.calls("POST", ".*:setIamPolicy")).isEmpty();

        provider.deleteSharedResources(c);
        assertThat(GCE.serviceAccounts()).containsExactly(account);
        assertNoJcloudResources();
    }

    @Test
    void aNewServiceAccountNotYetVisibleAndAConcurrentPolicyChangeAreWaitedOut() {
        GCE.concurrentPolicyChanges(2);
        GCE.hideNewServiceAccounts(1);
        ClusterContext c = cluster("mu", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        assertThat(GCE.calls("POST", "/v1/projects/" + PROJECT + ":setIamPolicy"))
                .hasSize(3);
        assertThat(bindingsOf(GCE.projectPolicy(), "serviceAccount:" + GceNames.serviceAccountEmail(c, PROJECT)))
                .hasSize(3);
        assertThat(GCE.calls("POST", ".*/instances/bulkInsert")).hasSize(2);
        assertThat(provider.nodes(c)).hasSize(1);
    }

    @Test
    void upSucceedsWhileANewAccountPropagatesThroughIamAndTheApisThrottle() {
        GCE.iamPropagation(Duration.ofMillis(800));
        GCE.throttle("/v1/projects/[^/]+:(get|set)IamPolicy", 2, 1);
        GCE.throttle("/v1/projects/[^/]+/secrets.*", 1, 0);
        ClusterContext c = cluster("xi", Map.of(ClusterTrust.OPTION, "true"));

        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        String account = GceNames.serviceAccountEmail(c, PROJECT);
        // IAM did not know the account at first; every policy naming it went through once it did.
        assertThat(GCE.calls("POST", ".*/serviceAccounts/" + account + ":setIamPolicy"))
                .hasSizeGreaterThan(1);
        assertThat(bindingsOf(GCE.projectPolicy(), "serviceAccount:" + account)).hasSize(3);
        assertThat(GCE.secrets())
                .hasSize(6)
                .allSatisfy(id -> assertThat(bindingsOf(GCE.secretPolicy(id), "serviceAccount:" + account))
                        .hasSize(2));
        assertThat(provider.nodes(c)).hasSize(1);
        provider.deleteSharedResources(c);
        assertNoJcloudResources();
    }

    @Test
    void aDisabledApiStopsUpWithOneLineNamingItAndTheCommandThatEnablesIt() {
        GCE.disableApi("secretmanager.googleapis.com");
        ClusterContext c = cluster("omicron", Map.of(ClusterTrust.OPTION, "true"));

        assertThatThrownBy(() -> provider.bootstrap(c))
                .isInstanceOf(ProvisionException.class)
                .hasMessageStartingWith(
                        "the Secret Manager API (secretmanager.googleapis.com) is not enabled in project "
                                + FakeComputeEngine.PROJECT_NUMBER
                                + ": enable it with 'gcloud services enable secretmanager.googleapis.com --project "
                                + FakeComputeEngine.PROJECT_NUMBER + "'")
                .message()
                .doesNotContain("\n");
        assertThat(GCE.calls("POST", ".*/secrets")).hasSize(1);

        GCE.reset();
        GCE.disableApi("compute.googleapis.com");
        ClusterContext d = cluster("pi", Map.of());
        assertThatThrownBy(() -> provider.bootstrap(d))
                .isInstanceOf(ProvisionException.class)
                .hasMessageStartingWith("the Compute Engine API (compute.googleapis.com) is not enabled in project "
                        + FakeComputeEngine.PROJECT_NUMBER
                        + ": enable it with 'gcloud services enable compute.googleapis.com --project ");
    }

    @Test
    void listsArePagedAndOperationsPolledUntilDone() {
        GCE.pageSize(2);
        GCE.operationPolls(3);
        ClusterContext c = cluster("nu", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 5));
        assertThat(provider.nodes(c)).hasSize(6);
        assertThat(GCE.calls("GET", ".*/aggregated/instances").stream()
                        .filter(call -> String.valueOf(call.query()).contains("pageToken"))
                        .count())
                .isGreaterThan(0);
        assertThat(GCE.calls("POST", ".*/operations/.*/wait")).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void tlsMaterialIsStoredAsSecretsOnlyTheClusterAccountReadsAndFetchedAtBoot() throws Exception {
        ClusterContext c = cluster("tau", Map.of(ClusterTrust.OPTION, "true"));
        provider.validate(c);
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        String prefix = "jcloud-" + c.id() + "-";
        assertThat(GCE.secrets())
                .containsExactlyInAnyOrder(
                        prefix + "ca_pem",
                        prefix + "scheduler_pem",
                        prefix + "scheduler-key_pem",
                        prefix + "dashboard-token",
                        prefix + "worker_pem",
                        prefix + "worker-key_pem");
        String account = "serviceAccount:" + GceNames.serviceAccountEmail(c, PROJECT);
        for (String id : GCE.secrets()) {
            assertThat(GCE.secretLabels(id).path("jcloud-cluster-id").asText()).isEqualTo(c.id());
            assertThat(bindingsOf(GCE.secretPolicy(id), account))
                    .containsExactlyInAnyOrder("roles/secretmanager.secretAccessor", "roles/secretmanager.admin");
            assertThat(GCE.secretPolicy(id).toString()).doesNotContain("user:").doesNotContain("allUsers");
        }
        Path tls = c.workDir().resolve(ClusterTrust.DIRECTORY);
        assertThat(tls.resolve("ca-key.pem")).exists(); // the CA key stays on this machine
        assertThat(GCE.secrets()).noneMatch(id -> id.contains("ca-key") || id.contains("client"));
        for (Instance i : instances(Labels.clusterFilter(c))) {
            String boot = metadata(i, BootMetadata.BOOT_SCRIPT_KEY);
            String stem = i.getLabelsMap().get("jcloud-role");
            assertThat(boot)
                    .contains("'dev.jcloud.providers.gcp.SecretFiles' '" + PROJECT + "' '" + prefix + "'")
                    .contains("'" + stem + "-key.pem'")
                    .contains("'--tls-key'\n  \"$JCLOUD_HOME\"/'secrets/" + stem + "-key.pem'")
                    .contains("'--tls-server-name'\n  '" + c.id() + ".cluster.jcloud'")
                    .doesNotContain("BEGIN");
            assertNoSecrets(i);
        }

        // What a worker's boot script does with its service account: the files, readable by root only.
        Path fetched = dir.resolve("machine-secrets");
        SecretFiles.fetch(new GoogleRest(GCE.endpoint(), null), PROJECT, prefix, ClusterSecrets.WORKER_FILES, fetched);
        for (String f : ClusterSecrets.WORKER_FILES) {
            assertThat(java.nio.file.Files.readString(fetched.resolve(f)))
                    .isEqualTo(java.nio.file.Files.readString(tls.resolve(f)));
            assertThat(java.nio.file.Files.getPosixFilePermissions(fetched.resolve(f)))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }

        provider.deleteSharedResources(c);
        assertThat(GCE.secrets()).isEmpty();
        assertNoJcloudResources();
    }

    @Test
    void idleTeardownFromTheSchedulerRemovesWorkersRulesAndSecretsAndGcTheRest() throws Exception {
        ClusterContext c = cluster("upsilon", Map.of(ClusterTrust.OPTION, "true"));
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        provider.teardownFromScheduler(c);

        assertThat(provider.nodes(c)).extracting(Node::id).containsExactly(scheduler.id());
        assertThat(firewalls()).isEmpty();
        assertThat(GCE.secrets()).isEmpty();
        // The scheduler's machine deletes itself once its engine has exited (BootMetadataTest); then gc takes the rest.
        // Waited for: gc must not race the delete request.
        gcp.instances()
                .deleteAsync(PROJECT, "us-central1-a", scheduler.id().substring("us-central1-a/".length()))
                .get();
        GcReport gc = provider.gc(
                Map.of(GcpOptions.PROJECT, PROJECT, GcpOptions.ENDPOINT, GCE.endpoint()), false, Duration.ZERO);
        assertThat(gc.items()).extracting(GcReport.Item::kind).containsExactly("service-account");
        assertNoJcloudResources();
    }

    @Test
    void logsFollowTheSerialConsoleUntilTheInstanceIsGone() throws Exception {
        ClusterContext c = cluster("phi", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        String name = scheduler.id().substring("us-central1-a/".length());
        GCE.appendSerialOutput("us-central1-a", name, "jcloud-boot: starting the engine scheduler\npartial");

        assertThat(provider.logs(c, scheduler, false))
                .containsExactly(
                        "fake-gce: " + name + " booted", "jcloud-boot: starting the engine scheduler", "partial");
        try (java.util.stream.Stream<String> follow = provider.logs(c, scheduler, true)) {
            java.util.Iterator<String> lines = follow.iterator();
            assertThat(lines.next()).isEqualTo("fake-gce: " + name + " booted");
            assertThat(lines.next()).isEqualTo("jcloud-boot: starting the engine scheduler");
            GCE.appendSerialOutput("us-central1-a", name, " line\nscheduler listening\n");
            assertThat(lines.next()).isEqualTo("partial line");
            assertThat(lines.next()).isEqualTo("scheduler listening");
            gcp.instances().deleteAsync(PROJECT, "us-central1-a", name).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(lines.hasNext()).isFalse();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void assertNoJcloudResources() {
        assertThat(instances(Labels.anyClusterFilter())).as("instances").isEmpty();
        assertThat(disks(Labels.anyClusterFilter())).as("disks").isEmpty();
        assertThat(firewalls()).as("firewall rules").isEmpty();
        assertThat(GCE.serviceAccounts()).as("service accounts").noneMatch(a -> a.startsWith("jcloud-"));
        assertThat(GCE.projectPolicy().toString()).as("project IAM policy").doesNotContain("jcloud-");
    }

    private static void assertNoSecrets(Instance i) {
        for (Items item : i.getMetadata().getItemsList()) {
            // No key material, no OAuth token (ya29.), no credential file, no AWS/GCP key ids.
            assertThat(item.getValue())
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContain("ya29.")
                    .doesNotContain("private_key")
                    .doesNotContain("AKIA")
                    .doesNotContainIgnoringCase("password=")
                    .doesNotContain("GOOGLE_APPLICATION_CREDENTIALS");
        }
        assertThat(i.getLabelsMap().toString()).doesNotContain("ya29.").doesNotContain("PRIVATE");
    }

    private static List<String> bindingsOf(JsonNode policy, String member) {
        List<String> out = new ArrayList<>();
        for (JsonNode b : policy.path("bindings")) {
            for (JsonNode m : b.path("members")) {
                if (m.asText().equals(member)) {
                    out.add(b.path("role").asText()
                            + (b.has("condition")
                                    ? " if " + b.path("condition").path("title").asText()
                                    : ""));
                }
            }
        }
        return out;
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

    private Instance instance(String name) {
        return instances("name = \"" + name + "\"").get(0);
    }

    private List<Disk> disks(String filter) {
        List<Disk> out = new ArrayList<>();
        gcp.disks()
                .aggregatedList(AggregatedListDisksRequest.newBuilder()
                        .setProject(PROJECT)
                        .setFilter(filter)
                        .build())
                .iterateAll()
                .forEach(e -> out.addAll(e.getValue().getDisksList()));
        return out;
    }

    private List<Firewall> firewalls() {
        return StreamSupport.stream(
                        gcp.firewalls()
                                .list(ListFirewallsRequest.newBuilder()
                                        .setProject(PROJECT)
                                        .build())
                                .iterateAll()
                                .spliterator(),
                        false)
                .toList();
    }

    private Firewall firewall(String name) {
        return gcp.firewalls().get(PROJECT, name);
    }

    private static String metadata(Instance i, String key) {
        return i.getMetadata().getItemsList().stream()
                .filter(it -> it.getKey().equals(key))
                .map(Items::getValue)
                .findFirst()
                .orElse(null);
    }

    private static String zoneOf(String path) {
        return path.replaceAll(".*/zones/([^/]+)/.*", "$1");
    }

    private Map<String, String> options(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put(GcpOptions.PROJECT, PROJECT);
        o.put(GcpOptions.ENDPOINT, GCE.endpoint());
        o.put(GcpOptions.ENGINE_URL, ENGINE_URL);
        o.put(GcpOptions.ENGINE_SHA256, SHA);
        o.put(GcpOptions.OPERATION_TIMEOUT, "30");
        o.putAll(extra);
        return o;
    }

    private ClusterContext cluster(String name, Map<String, String> extra) {
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), options(extra));
    }

    private ClusterRequest request(String name, int workers) {
        ClusterRequest r = ClusterRequest.named(name).withWorkers(workers).withStartTimeout(Duration.ofSeconds(5));
        for (Map.Entry<String, String> e : options(Map.of()).entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        return r;
    }
}
