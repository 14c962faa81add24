package dev.jcloud.providers.gcp;

import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AggregatedListDisksRequest;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.BulkInsertInstanceRequest;
import com.google.cloud.compute.v1.BulkInsertInstanceResource;
import com.google.cloud.compute.v1.BulkInsertInstanceResourcePerInstanceProperties;
import com.google.cloud.compute.v1.DeleteDiskRequest;
import com.google.cloud.compute.v1.DeleteInstanceRequest;
import com.google.cloud.compute.v1.Disk;
import com.google.cloud.compute.v1.GetSerialPortOutputInstanceRequest;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.InstanceProperties;
import com.google.cloud.compute.v1.InstancesSetLabelsRequest;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.Scheduling;
import com.google.cloud.compute.v1.ServiceAccount;
import com.google.cloud.compute.v1.SetLabelsInstanceRequest;
import com.google.cloud.compute.v1.Tags;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Compute Engine instances (and their boot disks) of a cluster: bulk create, find by label, delete and wait. */
final class GceInstances {

    /** Statuses of an instance that counts as a node of the cluster. */
    static final Set<String> ALIVE = Set.of("PROVISIONING", "STAGING", "RUNNING", "REPAIRING");

    private final GcpClients gcp;
    private final GcpOptions options;
    private final Operations operations;

    GceInstances(GcpClients gcp, GcpOptions options) {
        this.gcp = gcp;
        this.options = options;
        this.operations = new Operations(gcp, options.project());
    }

    /** Where an instance is: {@link Node#id()} is {@code <zone>/<instance name>}. */
    record Ref(String zone, String name) {
        static Optional<Ref> parse(String nodeId) {
            int slash = nodeId.indexOf('/');
            return slash <= 0
                    ? Optional.empty()
                    : Optional.of(new Ref(nodeId.substring(0, slash), nodeId.substring(slash + 1)));
        }

        static Ref of(Instance i) {
            return new Ref(Operations.lastSegment(i.getZone()), i.getName());
        }

        String id() {
            return zone + "/" + name;
        }
    }

    /** One bulkInsert: {@code instanceNames.size()} identical machines in one zone, all or none. */
    record Launch(
            String zone,
            List<String> instanceNames,
            String machineType,
            boolean spot,
            Map<String, String> labels,
            List<String> networkTags,
            Map<String, String> metadata,
            String serviceAccount) {}

    /**
     * Starts the machines of {@code launch} in ONE bulkInsert call with {@code minCount = count}, so
     * GCE creates all of them or none, and returns the operation (not waited for).
     */
    Operation bulkInsert(Launch launch) {
        Metadata.Builder metadata = Metadata.newBuilder();
        launch.metadata()
                .forEach(
                        (k, v) -> metadata.addItems(Items.newBuilder().setKey(k).setValue(v)));
        NetworkInterface.Builder nic = NetworkInterface.newBuilder()
                .setNetwork(options.network())
                // An ephemeral public address: the client reaches the scheduler, machines reach the JRE and engine.
                .addAccessConfigs(
                        AccessConfig.newBuilder().setName("External NAT").setType("ONE_TO_ONE_NAT"));
        options.subnetwork().ifPresent(nic::setSubnetwork);
        Scheduling scheduling = launch.spot()
                // Spot: preempted machines are deleted (nothing stopped keeps billing) and never migrated.
                ? Scheduling.newBuilder()
                        .setProvisioningModel("SPOT")
                        .setInstanceTerminationAction("DELETE")
                        .setAutomaticRestart(false)
                        .setOnHostMaintenance("TERMINATE")
                        .build()
                : Scheduling.newBuilder()
                        .setProvisioningModel("STANDARD")
                        .setAutomaticRestart(true)
                        .setOnHostMaintenance("MIGRATE")
                        .build();
        InstanceProperties properties = InstanceProperties.newBuilder()
                .setMachineType(launch.machineType())
                .setDescription("jcloud node")
                .putAllLabels(launch.labels())
                .setTags(Tags.newBuilder().addAllItems(launch.networkTags()))
                .setMetadata(metadata)
                .addNetworkInterfaces(nic)
                .addDisks(AttachedDisk.newBuilder()
                        .setBoot(true)
                        .setAutoDelete(true)
                        .setType("PERSISTENT")
                        .setInitializeParams(AttachedDiskInitializeParams.newBuilder()
                                .setSourceImage(options.image())
                                .setDiskSizeGb(options.bootDiskGb())
                                .setDiskType("pd-balanced")
                                .putAllLabels(launch.labels())))
                .addServiceAccounts(ServiceAccount.newBuilder()
                        .setEmail(launch.serviceAccount())
                        .addScopes(GcpClients.CLOUD_PLATFORM))
                .setScheduling(scheduling)
                .build();
        BulkInsertInstanceResource.Builder resource = BulkInsertInstanceResource.newBuilder()
                .setCount(launch.instanceNames().size())
                .setMinCount(launch.instanceNames().size())
                .setInstanceProperties(properties);
        for (String name : launch.instanceNames()) {
            resource.putPerInstanceProperties(
                    name,
                    BulkInsertInstanceResourcePerInstanceProperties.newBuilder()
                            .setName(name)
                            .build());
        }
        return gcp.instances()
                .bulkInsertCallable()
                .call(BulkInsertInstanceRequest.newBuilder()
                        .setProject(options.project())
                        .setZone(launch.zone())
                        .setBulkInsertInstanceResourceResource(resource)
                        .build());
    }

    /** The instances matching a list filter, in every zone of the project. */
    List<Instance> find(String filter) {
        List<Instance> out = new ArrayList<>();
        gcp.instances()
                .aggregatedList(AggregatedListInstancesRequest.newBuilder()
                        .setProject(options.project())
                        .setFilter(filter)
                        .setReturnPartialSuccess(true)
                        .build())
                .iterateAll()
                .forEach(e -> out.addAll(e.getValue().getInstancesList()));
        return out;
    }

    /** The cluster's instances in any status. */
    List<Instance> find(ClusterContext cluster) {
        return find(Labels.clusterFilter(cluster));
    }

    Optional<Instance> get(Ref ref) {
        try {
            return Optional.of(gcp.instances().get(options.project(), ref.zone(), ref.name()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** The node an instance is, by its labels (its name as a fallback). */
    static Node node(ClusterContext cluster, Instance i) {
        Map<String, String> labels = i.getLabelsMap();
        String name = labels.containsKey(Labels.NODE)
                ? labels.get(Labels.NODE)
                : GceNames.nodeName(cluster, i.getName()).orElse(i.getName());
        NodeRole role =
                NodeRole.valueOf(labels.getOrDefault(Labels.ROLE, "worker").toUpperCase(Locale.ROOT));
        return new Node(Ref.of(i).id(), name, role);
    }

    /** Adds labels to instances (read-modify-write with the label fingerprint), all at once, then waits. */
    void addLabels(Map<Ref, Map<String, String>> labels, Instant deadline) {
        List<Operation> pending = new ArrayList<>();
        for (Map.Entry<Ref, Map<String, String>> e : labels.entrySet()) {
            Ref ref = e.getKey();
            Instance current = gcp.instances().get(options.project(), ref.zone(), ref.name());
            Map<String, String> merged = new LinkedHashMap<>(current.getLabelsMap());
            merged.putAll(e.getValue());
            pending.add(gcp.instances()
                    .setLabelsCallable()
                    .call(SetLabelsInstanceRequest.newBuilder()
                            .setProject(options.project())
                            .setZone(ref.zone())
                            .setInstance(ref.name())
                            .setInstancesSetLabelsRequestResource(InstancesSetLabelsRequest.newBuilder()
                                    .putAllLabels(merged)
                                    .setLabelFingerprint(current.getLabelFingerprint()))
                            .build()));
        }
        for (Operation op : pending) {
            operations.await(op, deadline, "labelling instance " + Operations.lastSegment(op.getTargetLink()));
        }
    }

    /**
     * Deletes the instances (through the API: a stopped instance would still bill for its disk),
     * all at once, and waits until each delete is done. Instances already gone are fine.
     */
    void delete(Collection<Ref> refs, Instant deadline) {
        Map<Ref, Operation> pending = new LinkedHashMap<>();
        for (Ref ref : refs) {
            try {
                pending.put(
                        ref,
                        gcp.instances()
                                .deleteCallable()
                                .call(DeleteInstanceRequest.newBuilder()
                                        .setProject(options.project())
                                        .setZone(ref.zone())
                                        .setInstance(ref.name())
                                        .build()));
            } catch (NotFoundException e) {
                // gone already
            }
        }
        pending.forEach((ref, op) -> operations.await(op, deadline, "deleting instance " + ref.id()));
    }

    /** Boot disks of the cluster left without an instance (an instance deleted without its disk). */
    List<Disk> orphanDisks(String filter) {
        List<Disk> out = new ArrayList<>();
        gcp.disks()
                .aggregatedList(AggregatedListDisksRequest.newBuilder()
                        .setProject(options.project())
                        .setFilter(filter)
                        .setReturnPartialSuccess(true)
                        .build())
                .iterateAll()
                .forEach(e -> e.getValue().getDisksList().stream()
                        .filter(d -> d.getUsersCount() == 0)
                        .forEach(out::add));
        return out;
    }

    void deleteDisks(List<Disk> disks, Instant deadline) {
        List<Operation> pending = new ArrayList<>();
        for (Disk d : disks) {
            try {
                pending.add(gcp.disks()
                        .deleteCallable()
                        .call(DeleteDiskRequest.newBuilder()
                                .setProject(options.project())
                                .setZone(Operations.lastSegment(d.getZone()))
                                .setDisk(d.getName())
                                .build()));
            } catch (NotFoundException e) {
                // gone already
            }
        }
        for (Operation op : pending) {
            operations.await(op, deadline, "deleting disk " + Operations.lastSegment(op.getTargetLink()));
        }
    }

    /** Serial port 1 output from byte offset {@code start} (its {@code next} says where the following read starts). */
    com.google.cloud.compute.v1.SerialPortOutput serialOutput(Ref ref, long start) {
        return gcp.instances()
                .getSerialPortOutput(GetSerialPortOutputInstanceRequest.newBuilder()
                        .setProject(options.project())
                        .setZone(ref.zone())
                        .setInstance(ref.name())
                        .setPort(1)
                        .setStart(start)
                        .build());
    }

    /** The last {@code lines} lines of the instance's serial console (its boot log), or why there are none. */
    String serialTail(Ref ref, int lines) {
        try {
            String text = gcp.instances()
                    .getSerialPortOutput(GetSerialPortOutputInstanceRequest.newBuilder()
                            .setProject(options.project())
                            .setZone(ref.zone())
                            .setInstance(ref.name())
                            .setPort(1)
                            .build())
                    .getContents();
            List<String> all = text.lines().toList();
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                    .collect(Collectors.joining("\n"));
        } catch (NotFoundException e) {
            return "";
        } catch (com.google.api.gax.rpc.ApiException e) {
            return "(serial port output unavailable: " + Operations.detail(e) + ")";
        }
    }

    Operations operations() {
        return operations;
    }
}
