package dev.jcloud.providers.azure;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.Context;
import com.azure.core.util.polling.SyncPoller;
import com.azure.resourcemanager.compute.fluent.models.DiskInner;
import com.azure.resourcemanager.compute.fluent.models.RetrieveBootDiagnosticsDataResultInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.BillingProfile;
import com.azure.resourcemanager.compute.models.BootDiagnostics;
import com.azure.resourcemanager.compute.models.CachingTypes;
import com.azure.resourcemanager.compute.models.DeleteOptions;
import com.azure.resourcemanager.compute.models.DiagnosticsProfile;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.DiskDeleteOptionTypes;
import com.azure.resourcemanager.compute.models.DiskUpdate;
import com.azure.resourcemanager.compute.models.HardwareProfile;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.ManagedDiskParameters;
import com.azure.resourcemanager.compute.models.NetworkInterfaceReference;
import com.azure.resourcemanager.compute.models.NetworkProfile;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.OSProfile;
import com.azure.resourcemanager.compute.models.ResourceIdentityType;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageAccountTypes;
import com.azure.resourcemanager.compute.models.StorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineEvictionPolicyTypes;
import com.azure.resourcemanager.compute.models.VirtualMachineIdentity;
import com.azure.resourcemanager.compute.models.VirtualMachineIdentityUserAssignedIdentities;
import com.azure.resourcemanager.compute.models.VirtualMachinePriorityTypes;
import com.azure.resourcemanager.compute.models.VirtualMachineSizeTypes;
import com.azure.resourcemanager.network.fluent.models.ApplicationSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.PublicIpAddressInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.models.IpAllocationMethod;
import com.azure.resourcemanager.network.models.IpVersion;
import com.azure.resourcemanager.network.models.PublicIpAddressSku;
import com.azure.resourcemanager.network.models.PublicIpAddressSkuName;
import com.azure.resourcemanager.network.models.PublicIpAddressSkuTier;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's virtual machines and what each one owns: a NIC in the cluster's subnet with the
 * cluster's NSG and application security group, for the scheduler a static public address, and a
 * managed OS disk. NICs and disks are created with delete option {@code Delete}, so deleting a VM
 * deletes them too; {@link #delete} still removes any left (a VM that never came to exist leaves its
 * NIC behind).
 *
 * <p>Azure has no "start N standalone VMs in one call", so {@link #create} sends every NIC's and then
 * every VM's PUT before waiting on any: the machines are created in parallel by Azure while this
 * thread polls their long-running operations in turn.
 */
final class ClusterVms {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterVms.class);
    /** Custom data is limited to 65,535 bytes before base64. */
    static final int CUSTOM_DATA_LIMIT = 65_535;
    /** Errors with which Azure refuses Spot capacity (the on-demand fallback is tried on these). */
    static final Set<String> CAPACITY_CODES = Set.of(
            "SkuNotAvailable",
            "OverconstrainedAllocationRequest",
            "OverconstrainedZonalAllocationRequest",
            "AllocationFailed",
            "ZonalAllocationFailed");

    private final AzureClients azure;

    ClusterVms(AzureClients azure) {
        this.azure = azure;
    }

    /**
     * One VM to create.
     *
     * @param bootScript the rendered boot script, sent as custom data (cloud-init runs it)
     * @param identityId the user-assigned identity to attach, or null
     */
    record NodeSpec(
            String name,
            NodeRole role,
            String vmSize,
            boolean spot,
            boolean publicIp,
            String bootScript,
            String identityId) {}

    /** What every VM of a launch shares. */
    record Placement(
            String subscription,
            String group,
            String location,
            String subnetId,
            String nsgId,
            String membersId,
            AzureOptions.Image image,
            int osDiskGiB,
            String sshPublicKey,
            Map<String, String> tags) {}

    /**
     * Creates the VMs (NICs first, all in flight at once), falls back to on-demand for Spot VMs that
     * Azure refuses capacity for, and returns them in the order of {@code specs}. On failure, what
     * this call created is deleted again before the exception is thrown.
     */
    List<VirtualMachineInner> create(
            ClusterContext cluster, Placement placement, List<NodeSpec> specs, Instant deadline) {
        for (NodeSpec s : specs) {
            if (s.bootScript().getBytes(StandardCharsets.UTF_8).length > CUSTOM_DATA_LIMIT) {
                throw new ProvisionException("the boot script of " + s.name()
                        + " is larger than Azure's 64 KB custom-data" + " limit: use shorter names or options");
            }
        }
        try {
            createNics(placement, specs, deadline);
            Map<String, VirtualMachineInner> made = new LinkedHashMap<>();
            Map<NodeSpec, RuntimeException> failed = createVms(placement, specs, deadline, made);
            List<NodeSpec> fallback = new ArrayList<>();
            for (Map.Entry<NodeSpec, RuntimeException> f : failed.entrySet()) {
                if (f.getKey().spot() && spotRefused(f.getValue())) {
                    fallback.add(f.getKey());
                }
            }
            if (!fallback.isEmpty()) {
                LOG.warn(
                        "{}: Azure refused Spot capacity for {} ({}); starting them on demand instead",
                        cluster.name(),
                        fallback.stream().map(NodeSpec::name).toList(),
                        Lro.codes(failed.get(fallback.get(0))));
                fallback.forEach(failed::remove);
                List<NodeSpec> onDemand = fallback.stream()
                        .map(s -> new NodeSpec(
                                s.name(), s.role(), s.vmSize(), false, s.publicIp(), s.bootScript(), s.identityId()))
                        .toList();
                // A failed VM keeps its name and cannot change priority: delete it (and the NIC it took along) first.
                delete(placement.group(), onDemand.stream().map(NodeSpec::name).toList(), deadline);
                createNics(placement, onDemand, deadline);
                failed.putAll(createVms(placement, onDemand, deadline, made));
            }
            if (!failed.isEmpty()) {
                Map.Entry<NodeSpec, RuntimeException> first =
                        failed.entrySet().iterator().next();
                throw new ProvisionException(
                        failed.size() + " of " + specs.size() + " VM(s) of cluster " + cluster.name()
                                + " could not be created; " + first.getKey().name() + ": "
                                + explain(first.getKey(), placement, first.getValue()),
                        first.getValue());
            }
            tagDisks(placement, specs, deadline);
            List<VirtualMachineInner> out = new ArrayList<>();
            for (NodeSpec s : specs) {
                out.add(made.get(s.name()));
            }
            return out;
        } catch (RuntimeException e) {
            try {
                delete(placement.group(), specs.stream().map(NodeSpec::name).toList(), deadline.plusSeconds(600));
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void createNics(Placement placement, List<NodeSpec> specs, Instant deadline) {
        Map<String, SyncPoller<PollResult<PublicIpAddressInner>, PublicIpAddressInner>> ips = new LinkedHashMap<>();
        for (NodeSpec s : specs) {
            if (s.publicIp()) {
                ips.put(
                        s.name(),
                        azure.network()
                                .getPublicIpAddresses()
                                .beginCreateOrUpdate(
                                        placement.group(), AzureNames.publicIp(s.name()), publicIp(placement, s)));
            }
        }
        ips.forEach((name, poller) -> Lro.await(
                poller,
                azure.pollInterval(),
                deadline,
                "public IP address " + AzureNames.publicIp(name) + " is created"));
        Map<String, SyncPoller<PollResult<NetworkInterfaceInner>, NetworkInterfaceInner>> nics = new LinkedHashMap<>();
        for (NodeSpec s : specs) {
            nics.put(
                    s.name(),
                    azure.network()
                            .getNetworkInterfaces()
                            .beginCreateOrUpdate(placement.group(), AzureNames.nic(s.name()), nic(placement, s)));
        }
        nics.forEach((name, poller) -> Lro.await(
                poller, azure.pollInterval(), deadline, "network interface " + AzureNames.nic(name) + " is created"));
    }

    /**
     * Tags the OS disks, which Azure creates with the VM but without its tags: so that cost reports
     * by tag and any search by tag see them too.
     */
    private void tagDisks(Placement placement, List<NodeSpec> specs, Instant deadline) {
        Map<String, SyncPoller<PollResult<DiskInner>, DiskInner>> updates = new LinkedHashMap<>();
        for (NodeSpec s : specs) {
            updates.put(
                    s.name(),
                    azure.compute()
                            .getDisks()
                            .beginUpdate(
                                    placement.group(),
                                    AzureNames.osDisk(s.name()),
                                    new DiskUpdate()
                                            .withTags(AzureTags.node(
                                                    placement.tags(), s.role().label(), s.name()))));
        }
        updates.forEach((name, poller) ->
                Lro.await(poller, azure.pollInterval(), deadline, "OS disk " + AzureNames.osDisk(name) + " is tagged"));
    }

    /** Sends every VM's PUT, then waits for each; returns the failures by spec. */
    private Map<NodeSpec, RuntimeException> createVms(
            Placement placement, List<NodeSpec> specs, Instant deadline, Map<String, VirtualMachineInner> made) {
        Map<NodeSpec, SyncPoller<PollResult<VirtualMachineInner>, VirtualMachineInner>> started = new LinkedHashMap<>();
        Map<NodeSpec, RuntimeException> failed = new LinkedHashMap<>();
        for (NodeSpec s : specs) {
            try {
                started.put(
                        s,
                        azure.compute()
                                .getVirtualMachines()
                                .beginCreateOrUpdate(placement.group(), s.name(), vm(placement, s)));
            } catch (ManagementException e) {
                failed.put(s, e); // refused at once, e.g. SkuNotAvailable
            }
        }
        started.forEach((s, poller) -> {
            try {
                made.put(s.name(), Lro.await(poller, azure.pollInterval(), deadline, "VM " + s.name() + " is created"));
            } catch (Lro.Failed | ManagementException e) {
                failed.put(s, e); // refused while allocating, e.g. OverconstrainedAllocationRequest
            }
        });
        return failed;
    }

    private static boolean spotRefused(RuntimeException e) {
        Set<String> codes = Lro.codes(e);
        if (codes.stream().anyMatch(CAPACITY_CODES::contains)) {
            return true;
        }
        String text = Lro.describe(e).toLowerCase(Locale.ROOT);
        // Spot cores have their own quota ("LowPriorityCores"); exceeding it is OperationNotAllowed.
        return codes.contains("OperationNotAllowed") && (text.contains("lowpriority") || text.contains("spot"));
    }

    private static String explain(NodeSpec spec, Placement placement, RuntimeException e) {
        Set<String> codes = Lro.codes(e);
        String what = Lro.describe(e);
        if (codes.stream().anyMatch(CAPACITY_CODES::contains)) {
            return what + " (Azure has no capacity for " + spec.vmSize() + " in " + placement.location() + " now: try"
                    + " another VM size with "
                    + (spec.role() == NodeRole.SCHEDULER ? AzureOptions.SCHEDULER_VM_SIZE : AzureOptions.VM_SIZE)
                    + " or another location with " + AzureOptions.LOCATION + ")";
        }
        if (codes.contains("OperationNotAllowed") || codes.contains("QuotaExceeded")) {
            return what + " (a quota of the subscription is exhausted: request more in the Azure portal's Quotas page,"
                    + " or use fewer or smaller VMs)";
        }
        return what;
    }

    private static PublicIpAddressInner publicIp(Placement placement, NodeSpec s) {
        return new PublicIpAddressInner()
                .withLocation(placement.location())
                .withTags(AzureTags.node(placement.tags(), s.role().label(), s.name()))
                .withSku(new PublicIpAddressSku()
                        .withName(PublicIpAddressSkuName.STANDARD)
                        .withTier(PublicIpAddressSkuTier.REGIONAL))
                .withPublicIpAllocationMethod(IpAllocationMethod.STATIC)
                .withPublicIpAddressVersion(IpVersion.IPV4);
    }

    private static NetworkInterfaceInner nic(Placement placement, NodeSpec s) {
        NetworkInterfaceIpConfigurationInner ip = new NetworkInterfaceIpConfigurationInner()
                .withName("ipconfig1")
                .withPrimary(true)
                .withSubnet(new SubnetInner().withId(placement.subnetId()))
                .withPrivateIpAllocationMethod(IpAllocationMethod.DYNAMIC)
                .withApplicationSecurityGroups(
                        List.of(new ApplicationSecurityGroupInner().withId(placement.membersId())));
        if (s.publicIp()) {
            ip.withPublicIpAddress(new PublicIpAddressInner().withId(publicIpId(placement, s.name())));
        }
        return new NetworkInterfaceInner()
                .withLocation(placement.location())
                .withTags(AzureTags.node(placement.tags(), s.role().label(), s.name()))
                .withNetworkSecurityGroup(new NetworkSecurityGroupInner().withId(placement.nsgId()))
                .withIpConfigurations(List.of(ip));
    }

    private static String publicIpId(Placement placement, String node) {
        return AzureNames.networkId(
                placement.subscription(), placement.group(), "publicIPAddresses", AzureNames.publicIp(node));
    }

    private static String nicId(Placement placement, String node) {
        return AzureNames.networkId(
                placement.subscription(), placement.group(), "networkInterfaces", AzureNames.nic(node));
    }

    private static VirtualMachineInner vm(Placement placement, NodeSpec s) {
        AzureOptions.Image image = placement.image();
        ImageReference imageRef = image.custom()
                ? new ImageReference().withId(image.resourceId())
                : new ImageReference()
                        .withPublisher(image.publisher())
                        .withOffer(image.offer())
                        .withSku(image.sku())
                        .withVersion(image.version());
        VirtualMachineInner vm = new VirtualMachineInner()
                .withLocation(placement.location())
                .withTags(AzureTags.node(placement.tags(), s.role().label(), s.name()))
                .withHardwareProfile(new HardwareProfile().withVmSize(VirtualMachineSizeTypes.fromString(s.vmSize())))
                .withStorageProfile(new StorageProfile()
                        .withImageReference(imageRef)
                        .withOsDisk(new OSDisk()
                                .withName(AzureNames.osDisk(s.name()))
                                .withCreateOption(DiskCreateOptionTypes.FROM_IMAGE)
                                .withCaching(CachingTypes.READ_WRITE)
                                .withDiskSizeGB(placement.osDiskGiB())
                                .withManagedDisk(new ManagedDiskParameters()
                                        .withStorageAccountType(StorageAccountTypes.STANDARD_SSD_LRS))
                                .withDeleteOption(DiskDeleteOptionTypes.DELETE)))
                .withOsProfile(new OSProfile()
                        .withComputerName(s.name())
                        .withAdminUsername(AzureNames.ADMIN_USER)
                        .withCustomData(Base64.getEncoder()
                                .encodeToString(s.bootScript().getBytes(StandardCharsets.UTF_8)))
                        .withLinuxConfiguration(new LinuxConfiguration()
                                .withDisablePasswordAuthentication(true)
                                .withSsh(new SshConfiguration()
                                        .withPublicKeys(List.of(new SshPublicKey()
                                                .withPath("/home/" + AzureNames.ADMIN_USER + "/.ssh/authorized_keys")
                                                .withKeyData(placement.sshPublicKey()))))))
                .withNetworkProfile(new NetworkProfile()
                        .withNetworkInterfaces(List.of(new NetworkInterfaceReference()
                                .withPrimary(true)
                                .withDeleteOption(DeleteOptions.DELETE)
                                .withId(nicId(placement, s.name())))))
                // Boot diagnostics with Azure-managed storage: the serial log that awaitScheduler shows on failure.
                .withDiagnosticsProfile(
                        new DiagnosticsProfile().withBootDiagnostics(new BootDiagnostics().withEnabled(true)));
        if (s.identityId() != null) {
            vm.withIdentity(new VirtualMachineIdentity()
                    .withType(ResourceIdentityType.USER_ASSIGNED)
                    .withUserAssignedIdentities(
                            Map.of(s.identityId(), new VirtualMachineIdentityUserAssignedIdentities())));
        }
        if (s.spot()) {
            // Evicted Spot VMs are deleted (with NIC and disk), not kept stopped: nothing bills after an eviction.
            vm.withPriority(VirtualMachinePriorityTypes.SPOT)
                    .withEvictionPolicy(VirtualMachineEvictionPolicyTypes.DELETE)
                    .withBillingProfile(new BillingProfile().withMaxPrice(-1.0));
        } else {
            vm.withPriority(VirtualMachinePriorityTypes.REGULAR);
        }
        return vm;
    }

    /**
     * The cluster's VMs found by the cluster-id tag in its resource group; empty when the group does
     * not exist. Without power state: Azure lists instance views only together with a scale-set
     * filter, so {@link #get} asks for one VM's where it matters.
     */
    List<VirtualMachineInner> find(ClusterContext cluster) {
        return find(AzureNames.group(cluster), cluster.id());
    }

    List<VirtualMachineInner> find(String group, String clusterId) {
        try {
            List<VirtualMachineInner> out = new ArrayList<>();
            for (VirtualMachineInner vm : azure.compute().getVirtualMachines().listByResourceGroup(group)) {
                if (AzureTags.ofCluster(vm.tags(), clusterId)) {
                    out.add(vm);
                }
            }
            return out;
        } catch (ManagementException e) {
            if (Lro.notFound(e)) {
                return List.of();
            }
            throw e;
        }
    }

    /**
     * Whether the VM counts as a node of the cluster: being created or running. A VM that failed or
     * is being deleted does not; nor, when its instance view is at hand, one that was stopped from
     * inside (a guest shutdown leaves it stopped and billed until it is deleted). {@link #delete} and
     * the resource group's deletion remove all of them.
     */
    static boolean alive(VirtualMachineInner vm) {
        String state = vm.provisioningState() == null ? "" : vm.provisioningState();
        if (state.equalsIgnoreCase("Failed") || state.equalsIgnoreCase("Deleting")) {
            return false;
        }
        String power = powerState(vm);
        return power == null || power.equals("running") || power.equals("starting");
    }

    /** {@code running}, {@code stopped}, {@code deallocated}... from the instance view, or null. */
    static String powerState(VirtualMachineInner vm) {
        if (vm.instanceView() == null || vm.instanceView().statuses() == null) {
            return null;
        }
        for (InstanceViewStatus s : vm.instanceView().statuses()) {
            if (s.code() != null && s.code().startsWith("PowerState/")) {
                return s.code().substring("PowerState/".length());
            }
        }
        return null;
    }

    static Node node(VirtualMachineInner vm) {
        String name = AzureTags.get(vm.tags(), ClusterContext.NODE_TAG);
        String role = AzureTags.get(vm.tags(), ClusterContext.ROLE_TAG);
        return new Node(
                vm.id(),
                name != null ? name : vm.name(),
                "scheduler".equalsIgnoreCase(role) ? NodeRole.SCHEDULER : NodeRole.WORKER);
    }

    /**
     * Deletes the named VMs of {@code group} (all deletes in flight at once), then whatever NIC,
     * public address and OS disk of theirs is left, and waits until {@code deadline}. Names that do
     * not exist are fine.
     */
    void delete(String group, Collection<String> names, Instant deadline) {
        if (names.isEmpty()) {
            return;
        }
        Map<String, SyncPoller<PollResult<Void>, Void>> vms = new LinkedHashMap<>();
        for (String name : names) {
            SyncPoller<PollResult<Void>, Void> p =
                    Lro.orNull(() -> azure.compute().getVirtualMachines().beginDelete(group, name));
            if (p != null) {
                vms.put(name, p);
            }
        }
        vms.forEach((name, p) -> awaitDeleted(p, deadline, "VM " + name));
        Map<String, SyncPoller<PollResult<Void>, Void>> nics = new LinkedHashMap<>();
        for (String name : names) {
            SyncPoller<PollResult<Void>, Void> p =
                    Lro.orNull(() -> azure.network().getNetworkInterfaces().beginDelete(group, AzureNames.nic(name)));
            if (p != null) {
                nics.put(name, p);
            }
        }
        nics.forEach((name, p) -> awaitDeleted(p, deadline, "network interface " + AzureNames.nic(name)));
        List<SyncPoller<PollResult<Void>, Void>> rest = new ArrayList<>();
        for (String name : names) {
            SyncPoller<PollResult<Void>, Void> ip = Lro.orNull(
                    () -> azure.network().getPublicIpAddresses().beginDelete(group, AzureNames.publicIp(name)));
            if (ip != null) {
                rest.add(ip);
            }
            SyncPoller<PollResult<Void>, Void> disk =
                    Lro.orNull(() -> azure.compute().getDisks().beginDelete(group, AzureNames.osDisk(name)));
            if (disk != null) {
                rest.add(disk);
            }
        }
        rest.forEach(p -> awaitDeleted(p, deadline, "a public address or disk of " + names));
    }

    private void awaitDeleted(SyncPoller<PollResult<Void>, Void> poller, Instant deadline, String what) {
        try {
            Lro.await(poller, azure.pollInterval(), deadline, what + " is deleted");
        } catch (Lro.Failed | ManagementException e) {
            if (!Lro.notFound(e)) {
                throw e;
            }
        }
    }

    /** The private address of the node's NIC, or null when it has none (yet). */
    String privateAddress(String group, String node) {
        NetworkInterfaceInner nic = Lro.orNull(
                () -> azure.network().getNetworkInterfaces().getByResourceGroup(group, AzureNames.nic(node)));
        if (nic == null
                || nic.ipConfigurations() == null
                || nic.ipConfigurations().isEmpty()) {
            return null;
        }
        return nic.ipConfigurations().get(0).privateIpAddress();
    }

    /** The node's public address, or null when it has none. */
    String publicAddress(String group, String node) {
        PublicIpAddressInner ip = Lro.orNull(
                () -> azure.network().getPublicIpAddresses().getByResourceGroup(group, AzureNames.publicIp(node)));
        return ip == null ? null : ip.ipAddress();
    }

    /** The VM with its instance view, or null. */
    VirtualMachineInner get(String group, String node) {
        return Lro.orNull(() -> azure.compute()
                .getVirtualMachines()
                .getByResourceGroupWithResponse(
                        group,
                        node,
                        com.azure.resourcemanager.compute.models.InstanceViewTypes.INSTANCE_VIEW,
                        Context.NONE)
                .getValue());
    }

    /**
     * The last {@code lines} lines of the VM's serial console log from boot diagnostics. Azure hands
     * out a short-lived read-only link to the log blob; the link is a credential, so it is used once
     * here and never logged.
     */
    String serialLogTail(String group, String node, int lines) {
        try {
            RetrieveBootDiagnosticsDataResultInner data = azure.compute()
                    .getVirtualMachines()
                    .retrieveBootDiagnosticsDataWithResponse(group, node, 5, Context.NONE)
                    .getValue();
            if (data == null || data.serialConsoleLogBlobUri() == null) {
                return "";
            }
            try (HttpResponse r = azure.http()
                    .sendSync(new HttpRequest(HttpMethod.GET, data.serialConsoleLogBlobUri()), Context.NONE)) {
                if (r.getStatusCode() != 200) {
                    return "(serial log unavailable: HTTP " + r.getStatusCode() + ")";
                }
                List<String> all = r.getBodyAsBinaryData().toString().lines().toList();
                return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                        .collect(Collectors.joining("\n"));
            }
        } catch (ManagementException e) {
            return "(serial log unavailable: " + Lro.describe(e) + ")";
        } catch (RuntimeException e) {
            return "(serial log unavailable: " + e.getClass().getSimpleName() + ")";
        }
    }
}
