package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.authorization.fluent.models.RoleAssignmentInner;
import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.VirtualMachineEvictionPolicyTypes;
import com.azure.resourcemanager.compute.models.VirtualMachinePriorityTypes;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
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
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.net.CallerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure provider through the official SDK against {@link FakeAzureResourceManager}: what it
 * creates, tags, launches and removes, asserted on what the fake reports through the SDK and on the
 * request bodies it recorded. The fake boots nothing, so the engine waits run against a probe.
 */
class AzureProviderTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    private static final String CALLER = "203.0.113.7/32";
    private static final String SUB = FakeAzureResourceManager.SUBSCRIPTION;

    @TempDir
    Path dir;

    private AzureClients azure;
    private AzureProvider provider;

    @BeforeEach
    void setUp() {
        provider =
                new AzureProvider(ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, CALLER), host -> false);
        azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
    }

    @Test
    void upCreatesTheGroupNetworkFirewallIdentityAndTaggedVms() {
        ClusterContext c = cluster("alpha", Map.of(AzureOptions.TAG_PREFIX + "team", "data eng"));

        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 3));

        String group = "jcloud-alpha-" + c.id();
        ResourceGroupInner rg = azure.resources().getResourceGroups().get(group);
        assertThat(rg.location()).isEqualTo("eastus");
        assertThat(rg.tags())
                .containsEntry("jcloud.cluster", "alpha")
                .containsEntry("jcloud.cluster-id", c.id())
                .containsEntry("team", "data eng")
                .containsEntry("jcloud.creator", "tester@example.com")
                .containsKeys("jcloud.version", "jcloud.created");

        VirtualNetworkInner vnet = azure.network().getVirtualNetworks().getByResourceGroup(group, "jcloud-vnet");
        assertThat(vnet.addressSpace().addressPrefixes()).containsExactly("10.0.0.0/16");
        assertThat(vnet.subnets()).singleElement().satisfies(s -> {
            assertThat(s.addressPrefix()).isEqualTo("10.0.0.0/18");
            assertThat(s.defaultOutboundAccess()).isTrue();
        });
        assertThat(vnet.tags()).containsEntry("jcloud.cluster-id", c.id());

        NetworkSecurityGroupInner nsg =
                azure.network().getNetworkSecurityGroups().getByResourceGroup(group, "jcloud-nsg");
        String members = azure.network()
                .getApplicationSecurityGroups()
                .getByResourceGroup(group, "jcloud-members")
                .id();
        assertThat(nsg.securityRules())
                .extracting(SecurityRuleInner::name)
                .containsExactlyInAnyOrder(
                        "jcloud-scheduler-from-allowed",
                        "jcloud-dashboard-from-allowed",
                        "jcloud-cluster-members",
                        "jcloud-deny-other-vnet");
        assertThat(rule(nsg, "jcloud-scheduler-from-allowed")).satisfies(r -> {
            assertThat(r.sourceAddressPrefixes()).containsExactly(CALLER);
            assertThat(r.destinationPortRange()).isEqualTo("8786");
            assertThat(r.protocol().toString()).isEqualTo("Tcp");
            assertThat(r.access()).isEqualTo(SecurityRuleAccess.ALLOW);
        });
        assertThat(rule(nsg, "jcloud-dashboard-from-allowed").sourceAddressPrefixes())
                .containsExactly(CALLER);
        assertThat(rule(nsg, "jcloud-dashboard-from-allowed").destinationPortRange())
                .isEqualTo("8787");
        assertThat(rule(nsg, "jcloud-cluster-members")).satisfies(r -> {
            assertThat(r.sourceApplicationSecurityGroups())
                    .singleElement()
                    .satisfies(a -> assertThat(a.id()).isEqualTo(members));
            assertThat(r.destinationApplicationSecurityGroups())
                    .singleElement()
                    .satisfies(a -> assertThat(a.id()).isEqualTo(members));
            assertThat(r.sourceAddressPrefix()).isNull();
        });
        assertThat(rule(nsg, "jcloud-deny-other-vnet")).satisfies(r -> {
            assertThat(r.access()).isEqualTo(SecurityRuleAccess.DENY);
            assertThat(r.sourceAddressPrefix()).isEqualTo("VirtualNetwork");
            assertThat(r.priority()).isLessThan(65000); // before Azure's AllowVnetInBound
        });
        // Nothing of ours is open to everyone: no '*', 'Internet' or 0.0.0.0/0 source on an allow rule.
        assertThat(nsg.securityRules())
                .filteredOn(r -> r.access() == SecurityRuleAccess.ALLOW)
                .allSatisfy(r -> {
                    assertThat(r.sourceAddressPrefix()).isNotIn("*", "Internet", "0.0.0.0/0");
                    assertThat(r.sourceAddressPrefixes() == null ? List.<String>of() : r.sourceAddressPrefixes())
                            .doesNotContain("*", "Internet", "0.0.0.0/0");
                });
        assertThat(nsg.tags()).containsEntry("jcloud.cluster-id", c.id());

        IdentityInner identity = azure.msi().getUserAssignedIdentities().getByResourceGroup(group, "jcloud-controller");
        assertThat(identity.tags()).containsEntry("jcloud.cluster-id", c.id());
        String scope = "/subscriptions/" + SUB + "/resourceGroups/" + group;
        RoleAssignmentInner grant =
                azure.authorization().getRoleAssignments().get(scope, ControllerIdentity.assignmentName(scope));
        assertThat(grant.principalId()).isEqualTo(identity.principalId().toString());
        assertThat(grant.roleDefinitionId()).endsWith("/roleDefinitions/" + ControllerIdentity.CONTRIBUTOR_ROLE);
        assertThat(grant.scope()).isEqualTo(scope);

        List<VirtualMachineInner> vms = new ArrayList<>();
        azure.compute().getVirtualMachines().listByResourceGroup(group).forEach(vms::add);
        assertThat(vms)
                .extracting(VirtualMachineInner::name)
                .containsExactlyInAnyOrder("alpha-scheduler", "alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        assertThat(workers)
                .extracting(Node::name)
                .containsExactly("alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        for (VirtualMachineInner vm : vms) {
            boolean isScheduler = vm.name().equals("alpha-scheduler");
            assertThat(vm.tags())
                    .containsEntry("jcloud.cluster", "alpha")
                    .containsEntry("jcloud.cluster-id", c.id())
                    .containsEntry("jcloud.node", vm.name())
                    .containsEntry("jcloud.role", isScheduler ? "scheduler" : "worker")
                    .containsEntry("team", "data eng")
                    .containsKeys("jcloud.creator", "jcloud.version");
            assertThat(vm.hardwareProfile().vmSize().toString())
                    .isEqualTo(isScheduler ? "Standard_D2s_v5" : "Standard_D4s_v5");
            assertThat(vm.priority()).isEqualTo(VirtualMachinePriorityTypes.REGULAR);
            assertThat(vm.osProfile().linuxConfiguration().disablePasswordAuthentication())
                    .isTrue();
            assertThat(vm.osProfile().customData())
                    .as("Azure never returns custom data")
                    .isNull();
            assertThat(vm.diagnosticsProfile().bootDiagnostics().enabled()).isTrue();
            assertThat(vm.storageProfile().imageReference().publisher()).isEqualTo("Canonical");
            assertThat(vm.storageProfile().osDisk().deleteOption().toString()).isEqualTo("Delete");
            assertThat(vm.networkProfile().networkInterfaces())
                    .singleElement()
                    .satisfies(n -> assertThat(n.deleteOption().toString()).isEqualTo("Delete"));
            assertThat(vm.identity() != null)
                    .as("only the scheduler has the controller identity")
                    .isEqualTo(isScheduler);
            NetworkInterfaceInner nic =
                    azure.network().getNetworkInterfaces().getByResourceGroup(group, vm.name() + "-nic");
            assertThat(nic.networkSecurityGroup().id()).isEqualTo(nsg.id());
            assertThat(nic.ipConfigurations().get(0).applicationSecurityGroups())
                    .extracting(a -> a.id())
                    .containsExactly(members);
            assertThat(nic.ipConfigurations().get(0).publicIpAddress() != null).isEqualTo(isScheduler);
            assertThat(nic.tags()).containsEntry("jcloud.node", vm.name());
            DiskInner disk = azure.compute().getDisks().getByResourceGroup(group, vm.name() + "-osdisk");
            assertThat(disk.tags())
                    .as("OS disks are tagged after creation")
                    .containsEntry("jcloud.cluster-id", c.id())
                    .containsEntry("jcloud.node", vm.name());
        }
        VirtualMachineInner schedulerVm = vms.stream()
                .filter(v -> v.name().equals("alpha-scheduler"))
                .findFirst()
                .orElseThrow();
        assertThat(schedulerVm.identity().userAssignedIdentities()).containsOnlyKeys(identity.id());
        assertThat(azure.network()
                        .getPublicIpAddresses()
                        .getByResourceGroup(group, "alpha-scheduler-pip")
                        .tags())
                .containsEntry("jcloud.cluster-id", c.id());

        String schedulerIp = azure.network()
                .getNetworkInterfaces()
                .getByResourceGroup(group, "alpha-scheduler-nic")
                .ipConfigurations()
                .get(0)
                .privateIpAddress();
        assertThat(provider.schedulerAddressAtLaunch(c, scheduler)).hasValue(schedulerIp + ":8786");
        Map<String, String> scripts = customData(group);
        assertThat(scripts).containsOnlyKeys("alpha-scheduler", "alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        scripts.forEach((name, script) -> {
            assertThat(script)
                    .startsWith("#!/bin/bash")
                    .contains("https://engine.example/jcloud-engine.jar")
                    .contains("export JCLOUD_NODE='" + name + "'")
                    .contains("export JCLOUD_CLUSTER_ID='" + c.id() + "'");
            // Nothing secret in custom data: no token, no key, no credential.
            assertThat(script)
                    .doesNotContain(FakeAzureResourceManager.TOKEN_SECRET)
                    .doesNotContain("Bearer")
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContainIgnoringCase("password")
                    .doesNotContain("sig=");
        });
        scripts.values().forEach(AzureProviderTest::assertValidBash);
        assertThat(scripts.get("alpha-scheduler"))
                .contains("'--host'\n  '0.0.0.0'")
                .contains("'8786'")
                .contains("export AZURE_CLIENT_ID='" + identity.clientId() + "'");
        assertThat(scripts.get("alpha-worker-0")).doesNotContain("AZURE_CLIENT_ID");
        assertThat(scripts.get("alpha-worker-1"))
                .contains("'" + schedulerIp + ":8786'")
                .contains("'--name'\n  'alpha-worker-1'");

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder("alpha-scheduler", "alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        assertThat(provider.nodes(c))
                .filteredOn(n -> n.role() == NodeRole.SCHEDULER)
                .singleElement()
                .satisfies(n -> assertThat(n.id()).isEqualTo(scheduler.id()));
        // Tokens are cached: two client sets (the test's and the provider's) ask twice each (who am I, and the
        // pipeline's first call), not once per request.
        assertThat(ARM.tokenRequests()).isLessThanOrEqualTo(4);
    }

    @Test
    void workersAreCreatedInParallelAndLongRunningOperationsArePolled() {
        ARM.asyncPolls(3);
        ClusterContext c = cluster("par", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        int before = ARM.requests().size();

        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 4));

        List<FakeAzureResourceManager.Recorded> calls =
                ARM.requests().subList(before, ARM.requests().size());
        List<Integer> vmPuts = IntStream.range(0, calls.size())
                .filter(i -> calls.get(i).method().equals("PUT")
                        && calls.get(i).path().contains("/virtualMachines/"))
                .boxed()
                .toList();
        int firstPoll = IntStream.range(0, calls.size())
                .filter(i -> calls.get(i).path().contains("/operations/") && i > vmPuts.get(0))
                .findFirst()
                .orElseThrow();
        assertThat(vmPuts).hasSize(4);
        assertThat(vmPuts.get(3))
                .as("all four VM PUTs are sent before the first VM operation is polled")
                .isLessThan(firstPoll);
        assertThat(calls).filteredOn(r -> r.path().contains("/operations/")).hasSizeGreaterThanOrEqualTo(4 * 4);
    }

    @Test
    void bootstrapAgainReconcilesWithoutDuplicates() {
        ARM.principalReplicationDelay(2); // the new identity is not yet visible to role assignments
        ClusterContext c = cluster("beta", Map.of());
        provider.bootstrap(c);
        provider.bootstrap(c);

        String group = "jcloud-beta-" + c.id();
        List<RoleAssignmentInner> grants = new ArrayList<>();
        azure.authorization().getRoleAssignments().listByResourceGroup(group).forEach(grants::add);
        assertThat(grants)
                .singleElement()
                .satisfies(g -> assertThat(g.principalType().toString()).isEqualTo("ServicePrincipal"));
        assertThat(ARM.requests())
                .filteredOn(r -> r.method().equals("PUT") && r.path().contains("roleAssignments"))
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(
                        azure
                                .resources()
                                .getResourceGroups()
                                .list(AzureGarbageCollector.JCLOUD_TAGGED, null, Context.NONE)
                                .stream()
                                .filter(g -> g.name().equals(group)))
                .hasSize(1);
    }

    @Test
    void scaleAddsWorkersAndTerminateDeletesVmNicAndDisk() {
        ClusterContext c = cluster("gamma", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> first = provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2));
        List<Node> more = provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 2, 2));

        provider.terminate(
                c,
                List.of(
                        first.get(0),
                        more.get(1),
                        new Node(
                                "/subscriptions/" + SUB
                                        + "/resourceGroups/elsewhere/providers/Microsoft.Compute/virtualMachines/x",
                                "x",
                                NodeRole.WORKER)));

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder("gamma-scheduler", "gamma-worker-1", "gamma-worker-2");
        String group = "jcloud-gamma-" + c.id();
        assertThat(Lro.orNull(() -> azure.compute().getVirtualMachines().getByResourceGroup(group, "gamma-worker-0")))
                .isNull();
        assertThat(Lro.orNull(
                        () -> azure.network().getNetworkInterfaces().getByResourceGroup(group, "gamma-worker-0-nic")))
                .isNull();
        assertThat(Lro.orNull(() -> azure.compute().getDisks().getByResourceGroup(group, "gamma-worker-3-osdisk")))
                .isNull();
        assertThat(ARM.requests()).noneMatch(r -> r.path().contains("/elsewhere/"));
    }

    @Test
    void downLeavesNothingTaggedAndCanRunAgain() {
        ClusterContext c = cluster("epsilon", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2));

        provider.terminate(c, provider.nodes(c));
        provider.deleteSharedResources(c);
        provider.deleteSharedResources(c); // idempotent

        assertThat(jcloudGroups()).isEmpty();
        assertThatThrownBy(() -> azure.resources().getResourceGroups().get("jcloud-epsilon-" + c.id()))
                .isInstanceOf(ManagementException.class)
                .satisfies(e -> assertThat(Lro.notFound(e)).isTrue());
        assertThat(provider.nodes(c)).isEmpty();
    }

    @Test
    void deletingTheGroupRemovesVmsLeftRunning() {
        ClusterContext c = cluster("zeta", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2));

        provider.deleteSharedResources(c);

        assertThat(jcloudGroups()).isEmpty();
        assertThat(ARM.requests())
                .filteredOn(r -> r.method().equals("DELETE") && r.path().endsWith("/jcloud-zeta-" + c.id()))
                .singleElement()
                .satisfies(r -> assertThat(r.query()).contains("forceDeletionTypes"));
    }

    @Test
    void upWaitsOutResourceManagerThrottlingAsRetryAfterAsks() {
        // Resource Manager's request limits: 429 with Retry-After, twice, on the security group and a VM.
        ARM.fail("PUT", ".*/networkSecurityGroups/.*").times(2).throttle(1);
        ARM.fail("PUT", ".*/virtualMachines/.*").times(1).throttle(1);
        ClusterContext c = cluster("rho", Map.of());
        long start = System.nanoTime();

        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        assertThat(ARM.requests().stream()
                        .filter(r -> r.method().equals("PUT") && r.path().contains("/networkSecurityGroups/")))
                .hasSize(3);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(provider.nodes(c)).hasSize(1);
    }

    @Test
    void aFailureHalfWayThroughUpLeavesNothing() {
        // The second worker's VM (workers count from 1) fails while being allocated: the scheduler and the
        // first worker exist by then.
        ARM.fail("PUT", ".*/virtualMachines/eta-worker-2")
                .failOperation("InternalExecutionError", "An internal execution error occurred. Please retry later.");
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));

        assertThatThrownBy(() -> provisioner.up("azure", request("eta", 2), 0))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("eta-worker-2")
                .hasMessageContaining("InternalExecutionError");

        assertThat(jcloudGroups()).isEmpty();
        assertThat(provisioner.store().list()).isEmpty();
    }

    @Test
    void aRefusalAtOnceHalfWayThroughUpLeavesNothingEither() {
        ARM.fail("PUT", ".*/networkInterfaces/theta-worker-2-nic")
                .respond(
                        400,
                        "SubnetIsFull",
                        "Subnet jcloud-nodes with address prefix 10.0.0.0/18 does not have enough capacity for 1 IP addresses.");
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));

        assertThatThrownBy(() -> provisioner.up("azure", request("theta", 3), 0))
                .isInstanceOf(ManagementException.class)
                .hasMessageContaining("SubnetIsFull");

        assertThat(jcloudGroups()).isEmpty();
    }

    @Test
    void spotWorkersFallBackToOnDemandWhenAzureRefusesCapacity() {
        ClusterContext c = cluster("iota", Map.of(AzureOptions.SPOT, "true"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        // Refused at once for one worker, while allocating for another; the third gets Spot capacity.
        ARM.fail("PUT", ".*/virtualMachines/iota-worker-0")
                .bodyContaining("\"Spot\"")
                .respond(
                        409,
                        "SkuNotAvailable",
                        "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: Standard_D4s_v5'"
                                + " is currently not available in location 'eastus'.");
        ARM.fail("PUT", ".*/virtualMachines/iota-worker-1")
                .bodyContaining("\"Spot\"")
                .failOperation(
                        "OverconstrainedAllocationRequest",
                        "Allocation failed. VM(s) with the following constraints cannot be"
                                + " allocated, because the condition is too restrictive. Constraints applied are: - Priority (Spot)");

        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 3));

        assertThat(workers).extracting(Node::name).containsExactly("iota-worker-0", "iota-worker-1", "iota-worker-2");
        String group = "jcloud-iota-" + c.id();
        Map<String, VirtualMachineInner> vms = new LinkedHashMap<>();
        azure.compute().getVirtualMachines().listByResourceGroup(group).forEach(v -> vms.put(v.name(), v));
        assertThat(vms.get("iota-worker-0").priority()).isEqualTo(VirtualMachinePriorityTypes.REGULAR);
        assertThat(vms.get("iota-worker-1").priority()).isEqualTo(VirtualMachinePriorityTypes.REGULAR);
        assertThat(vms.get("iota-worker-1").provisioningState()).isEqualTo("Succeeded");
        assertThat(vms.get("iota-worker-2").priority()).isEqualTo(VirtualMachinePriorityTypes.SPOT);
        assertThat(vms.get("iota-worker-2").evictionPolicy()).isEqualTo(VirtualMachineEvictionPolicyTypes.DELETE);
        assertThat(vms.get("iota-worker-2").billingProfile().maxPrice()).isEqualTo(-1.0);
        assertThat(vms.get("iota-scheduler").priority())
                .as("the scheduler is never Spot")
                .isEqualTo(VirtualMachinePriorityTypes.REGULAR);
        // Spot workers watch Scheduled Events for their eviction and retire gracefully; the scheduler does not.
        Map<String, String> scripts = customData(group);
        assertThat(scripts.get("iota-worker-2")).contains("scheduledevents").contains("'--interruption-file'");
        assertThat(scripts.get("iota-scheduler")).doesNotContain("scheduledevents");
        assertThat(provider.nodes(c)).hasSize(4);
    }

    @Test
    void otherErrorsAreNotMistakenForSpotCapacityAndTheBatchIsRemoved() {
        ClusterContext c = cluster("kappa", Map.of(AzureOptions.SPOT, "true"));
        provider.bootstrap(c);
        ARM.fail("PUT", ".*/virtualMachines/kappa-worker-1")
                .respond(400, "InvalidParameter", "The value of parameter imageReference is invalid.");

        assertThatThrownBy(() -> provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("1 of 2 VM(s)")
                .hasMessageContaining("InvalidParameter");

        assertThat(provider.nodes(c)).isEmpty();
        List<String> left = new ArrayList<>();
        azure.network()
                .getNetworkInterfaces()
                .listByResourceGroup("jcloud-kappa-" + c.id())
                .forEach(n -> left.add(n.name()));
        assertThat(left).isEmpty();
    }

    @Test
    void gcFindsClustersWithoutARunningSchedulerAndDeletesOnlyThose() {
        ClusterContext crashed = cluster("lambda", Map.of()); // up died after the group was made
        provider.bootstrap(crashed);
        ClusterContext stopped = cluster("mu", Map.of()); // scheduler shut down from inside, still billed
        provider.bootstrap(stopped);
        provider.launch(stopped, TestLaunches.scheduler(stopped));
        provider.launch(stopped, TestLaunches.workers(stopped, "10.9.9.9:8786", 0, 1));
        ARM.stopVm("jcloud-mu-" + stopped.id(), "mu-scheduler");
        ClusterContext live = cluster("nu", Map.of());
        provider.bootstrap(live);
        provider.launch(live, TestLaunches.scheduler(live));
        // Someone else's group carrying a copied jcloud tag is never touched.
        azure.resources()
                .getResourceGroups()
                .createOrUpdate(
                        "team-data",
                        new ResourceGroupInner()
                                .withLocation("eastus")
                                .withTags(Map.of(
                                        "jcloud.cluster-id",
                                        crashed.id(),
                                        "jcloud.cluster",
                                        "lambda",
                                        "jcloud.created",
                                        "0")));

        GcReport dry = provider.gc(ARM.options(Map.of()), true, Duration.ZERO);
        assertThat(dry.deleted()).isFalse();
        assertThat(dry.clusterIds()).containsExactlyInAnyOrder(crashed.id(), stopped.id());
        assertThat(dry.items())
                .filteredOn(i -> i.clusterId().equals(stopped.id()))
                .singleElement()
                .satisfies(i -> assertThat(i.contains()).isEqualTo(2));
        assertThat(dry.items()).extracting(GcReport.Item::id).doesNotContain("team-data");
        assertThat(jcloudGroups()).hasSize(4);
        assertThat(provider.gc(ARM.options(Map.of()), true, Duration.ofHours(1)).items())
                .as("young groups are left alone")
                .isEmpty();

        GcReport done = provider.gc(ARM.options(Map.of()), false, Duration.ZERO);

        assertThat(done.deleted()).isTrue();
        assertThat(jcloudGroups())
                .extracting(ResourceGroupInner::name)
                .containsExactlyInAnyOrder("jcloud-nu-" + live.id(), "team-data");
        assertThat(provider.nodes(live)).hasSize(1);
    }

    @Test
    void awaitSchedulerShowsTheSerialLogTailWithoutItsLink() {
        ClusterContext c = cluster("xi", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 50; i++) {
            log.append("cloud-init line ").append(i).append('\n');
        }
        log.append("jcloud-boot: the downloaded engine does not have SHA-256 000; not starting\n");
        ARM.serialLog("xi-scheduler", log.toString());

        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusMillis(50)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("did not answer")
                .hasMessageContaining("serial console log")
                .hasMessageContaining("not starting")
                .hasMessageContaining("cloud-init line 50")
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("cloud-init line 10\n")
                        .doesNotContain("sig=")
                        .doesNotContain("SAS-SIGNATURE"));
        assertThat(provider.logTail(c, scheduler, 2))
                .isEqualTo("cloud-init line 50\n"
                        + "jcloud-boot: the downloaded engine does not have SHA-256 000; not starting");

        String publicIp = azure.network()
                .getPublicIpAddresses()
                .getByResourceGroup("jcloud-xi-" + c.id(), "xi-scheduler-pip")
                .ipAddress();
        List<String> asked = new ArrayList<>();
        AzureProvider answering = new AzureProvider(
                ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, CALLER), host -> asked.add(host));
        SchedulerEndpoint endpoint =
                answering.awaitScheduler(c, scheduler, Instant.now().plusSeconds(30));
        assertThat(endpoint.scheduler()).isEqualTo(publicIp + ":8786");
        assertThat(endpoint.dashboard()).isEqualTo(publicIp + ":8787");
        assertThat(asked).containsExactly(publicIp);
    }

    @Test
    void awaitSchedulerFailsAtOnceWhenTheSchedulerVmStopped() {
        ClusterContext c = cluster("omicron", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        ARM.stopVm("jcloud-omicron-" + c.id(), "omicron-scheduler");
        ARM.serialLog("omicron-scheduler", "reboot: Power down\n");

        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusSeconds(60)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("is stopped instead of running")
                .hasMessageContaining("reboot: Power down");
    }

    @Test
    void anExistingSubnetIsUsedAndCheckedBeforeAnythingIsCreated() {
        azure.resources()
                .getResourceGroups()
                .createOrUpdate("shared-net", new ResourceGroupInner().withLocation("eastus"));
        Lro.await(
                azure.network()
                        .getVirtualNetworks()
                        .beginCreateOrUpdate(
                                "shared-net",
                                "corp",
                                new VirtualNetworkInner()
                                        .withLocation("eastus")
                                        .withAddressSpace(
                                                new AddressSpace().withAddressPrefixes(List.of("172.16.0.0/16")))
                                        .withSubnets(List.of(new SubnetInner()
                                                .withName("compute")
                                                .withAddressPrefix("172.16.1.0/24")))),
                Duration.ofMillis(5),
                Instant.now().plusSeconds(30),
                "the shared network is created");
        String vnetId =
                "/subscriptions/" + SUB + "/resourceGroups/shared-net/providers/Microsoft.Network/virtualNetworks/corp";

        ClusterContext wrong = cluster("pi", Map.of(AzureOptions.VNET, vnetId, AzureOptions.SUBNET, "nope"));
        assertThatThrownBy(() -> provider.bootstrap(wrong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("azure.vnet/azure.subnet")
                .hasMessageContaining("has no subnet nope")
                .hasMessageContaining("compute");
        assertThat(jcloudGroups()).isEmpty();

        ClusterContext c = cluster("rho", Map.of(AzureOptions.VNET, vnetId, AzureOptions.SUBNET, "compute"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        String group = "jcloud-rho-" + c.id();
        assertThat(Lro.orNull(() -> azure.network().getVirtualNetworks().getByResourceGroup(group, "jcloud-vnet")))
                .isNull();
        NetworkInterfaceInner nic =
                azure.network().getNetworkInterfaces().getByResourceGroup(group, "rho-scheduler-nic");
        assertThat(nic.ipConfigurations().get(0).subnet().id()).isEqualToIgnoringCase(vnetId + "/subnets/compute");
        assertThat(nic.ipConfigurations().get(0).privateIpAddress()).startsWith("172.16.1.");

        provider.terminate(c, provider.nodes(c));
        provider.deleteSharedResources(c);
        assertThat(azure.network()
                        .getVirtualNetworks()
                        .getByResourceGroup("shared-net", "corp")
                        .subnets())
                .hasSize(1);
    }

    @Test
    void everyWaitHasADeadline() {
        ClusterContext c = cluster("phi", Map.of(AzureOptions.DELETE_TIMEOUT, "1"));
        provider.bootstrap(c);
        ARM.asyncPolls(Integer.MAX_VALUE); // Azure never finishes deleting

        assertThatThrownBy(() -> provider.deleteSharedResources(c))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("timed out waiting until resource group jcloud-phi-" + c.id() + " is deleted");
    }

    @Test
    void nodesFollowsPagesOfTheList() {
        ARM.pageSize(2);
        ClusterContext c = cluster("sigma", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 5));

        assertThat(provider.nodes(c)).hasSize(6);
        assertThat(ARM.requests()).anyMatch(r -> r.query() != null && r.query().contains("$skiptoken=4"));
    }

    @Test
    void badOptionsAreRejectedBeforeAnyRequest() {
        int tokens = ARM.tokenRequests(); // the test's own clients asked for one
        List<Map<String, String>> bad = List.of(
                Map.of(AzureOptions.LOCATION, "East US"),
                Map.of(AzureOptions.ALLOW_FROM, "10.0.0.1/8"),
                Map.of(AzureOptions.TAG_PREFIX + "a/b", "x"),
                Map.of(AzureOptions.VM_SIZE, "d2s_v5"),
                Map.of(AzureOptions.SPOT, "yes"),
                Map.of(AzureOptions.ENGINE_SHA256, "abc"),
                Map.of(AzureOptions.SUBNET, "compute"));
        for (Map<String, String> options : bad) {
            ClusterContext c = cluster("tau", options);
            assertThatThrownBy(() -> provider.bootstrap(c))
                    .as(options.toString())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        ClusterContext noSubscription =
                new ClusterContext("tau", ClusterNames.newId(), dir, Map.of(AzureOptions.ENDPOINT, ARM.endpoint()));
        assertThatThrownBy(() -> provider.bootstrap(noSubscription)).hasMessageContaining("azure.subscription");
        Map<String, String> noEngine = new LinkedHashMap<>(ARM.options(Map.of()));
        noEngine.remove(AzureOptions.ENGINE_URL);
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("tau", "abc123", dir, noEngine)))
                .hasMessageContaining("azure.engine-url");

        assertThat(ARM.requests()).isEmpty();
        assertThat(ARM.tokenRequests()).isEqualTo(tokens);
    }

    @Test
    void anAllowFromOfEverywhereIsKeptWhenAskedFor() {
        ClusterContext c = cluster("upsilon", Map.of(AzureOptions.ALLOW_FROM, "0.0.0.0/0"));
        provider.bootstrap(c);
        NetworkSecurityGroupInner nsg =
                azure.network().getNetworkSecurityGroups().getByResourceGroup("jcloud-upsilon-" + c.id(), "jcloud-nsg");
        assertThat(rule(nsg, "jcloud-scheduler-from-allowed").sourceAddressPrefixes())
                .containsExactly("0.0.0.0/0");
        assertThat(rule(nsg, "jcloud-cluster-members").sourceAddressPrefixes()).isNullOrEmpty();
    }

    // ---- helpers ----

    private ClusterContext cluster(String name, Map<String, String> options) {
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), ARM.options(options));
    }

    private ClusterRequest request(String name, int workers) {
        ClusterRequest r = ClusterRequest.named(name).withWorkers(workers).withStartTimeout(Duration.ofSeconds(30));
        for (Map.Entry<String, String> e : ARM.options(Map.of()).entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        return r;
    }

    private static void assertValidBash(String script) {
        try {
            Path f = java.nio.file.Files.createTempFile("custom-data", ".sh");
            try {
                java.nio.file.Files.writeString(f, script);
                Process p = new ProcessBuilder("bash", "-n", f.toString())
                        .redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(p.waitFor()).as(out).isZero();
                dev.jcloud.provisioner.boot.Shellcheck.assertClean("an Azure VM's custom data", script);
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("bash is needed to check the boot scripts: install bash", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static SecurityRuleInner rule(NetworkSecurityGroupInner nsg, String name) {
        return nsg.securityRules().stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** Resource groups carrying a jcloud cluster id, as ARM lists them by tag. */
    private List<ResourceGroupInner> jcloudGroups() {
        List<ResourceGroupInner> out = new ArrayList<>();
        azure.resources()
                .getResourceGroups()
                .list(AzureGarbageCollector.JCLOUD_TAGGED, null, Context.NONE)
                .forEach(out::add);
        return out;
    }

    /** The boot script each VM got, from the PUT bodies the fake recorded (Azure never returns custom data). */
    private static Map<String, String> customData(String group) {
        Map<String, String> out = new LinkedHashMap<>();
        for (FakeAzureResourceManager.Recorded r : ARM.requests()) {
            if (r.method().equals("PUT")
                    && r.path().contains(group + "/providers/Microsoft.Compute/virtualMachines/")) {
                String name = r.path().substring(r.path().lastIndexOf('/') + 1);
                out.put(
                        name,
                        ArmState.decodeCustomData(r.json()
                                .path("properties")
                                .path("osProfile")
                                .path("customData")
                                .asText()));
            }
        }
        return out;
    }
}
