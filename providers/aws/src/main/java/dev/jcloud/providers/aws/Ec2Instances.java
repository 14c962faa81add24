package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceInterruptionBehavior;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.ShutdownBehavior;
import software.amazon.awssdk.services.ec2.model.SpotInstanceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.VolumeType;

/** EC2 instances of a cluster: launch in one call, find by tag, terminate and wait. */
final class Ec2Instances {

    /** States of an instance that still exists (and may still cost money). */
    static final List<String> NOT_TERMINATED = List.of("pending", "running", "shutting-down", "stopping", "stopped");
    /** States of a node that counts as part of the cluster. */
    static final List<String> ALIVE = List.of("pending", "running");

    /** EC2's error for an instance id it does not know (or does not list yet). */
    static final String NOT_FOUND = "InvalidInstanceID.NotFound";
    /** How long a just-launched instance may be unknown to EC2's API (seconds, normally). */
    static final java.time.Duration NOT_YET_VISIBLE = java.time.Duration.ofMinutes(2);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Ec2Instances.class);

    private final Ec2Client ec2;

    Ec2Instances(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** What one RunInstances call needs; {@code spot} asks for one-time spot instances. */
    record Launch(
            String ami,
            String instanceType,
            String subnetId,
            String securityGroupId,
            String instanceProfile,
            String userData,
            int count,
            int rootVolumeGiB,
            Map<String, String> tags,
            String clientToken,
            boolean spot) {

        Launch in(String otherSubnet, String token) {
            return new Launch(
                    ami,
                    instanceType,
                    otherSubnet,
                    securityGroupId,
                    instanceProfile,
                    userData,
                    count,
                    rootVolumeGiB,
                    tags,
                    token,
                    spot);
        }

        Launch onDemand(String token) {
            Map<String, String> t = new java.util.LinkedHashMap<>(tags);
            t.put(Tags.MARKET, Tags.ON_DEMAND);
            return new Launch(
                    ami,
                    instanceType,
                    subnetId,
                    securityGroupId,
                    instanceProfile,
                    userData,
                    count,
                    rootVolumeGiB,
                    t,
                    token,
                    false);
        }
    }

    /**
     * Starts {@code launch.count()} instances in ONE RunInstances call (all or nothing), with IMDSv2
     * required, an encrypted root volume, shutdown meaning terminate, and the tags on instances and
     * volumes at creation. Returns them ordered by launch index.
     */
    List<Instance> run(Launch launch, Instant profileDeadline) {
        String rootDevice = ec2.describeImages(r -> r.imageIds(launch.ami())).images().stream()
                .findFirst()
                .map(i -> i.rootDeviceName())
                .orElse("/dev/xvda");
        List<Instance> started = Deadlines.retryOnProfileNotYetVisible(
                        profileDeadline,
                        () -> ec2.runInstances(r -> r.imageId(launch.ami())
                                .instanceType(launch.instanceType())
                                .minCount(launch.count())
                                .maxCount(launch.count())
                                .subnetId(launch.subnetId())
                                .securityGroupIds(launch.securityGroupId())
                                .iamInstanceProfile(p -> p.name(launch.instanceProfile()))
                                .userData(Base64.getEncoder()
                                        .encodeToString(launch.userData().getBytes(StandardCharsets.UTF_8)))
                                .metadataOptions(m -> m.httpTokens(HttpTokensState.REQUIRED)
                                        .httpEndpoint(InstanceMetadataEndpointState.ENABLED)
                                        .httpPutResponseHopLimit(1))
                                .blockDeviceMappings(BlockDeviceMapping.builder()
                                        .deviceName(rootDevice)
                                        .ebs(e -> e.encrypted(true)
                                                .volumeSize(launch.rootVolumeGiB())
                                                .volumeType(VolumeType.GP3)
                                                .deleteOnTermination(true))
                                        .build())
                                .instanceInitiatedShutdownBehavior(ShutdownBehavior.TERMINATE)
                                .applyMutation(b -> {
                                    if (launch.spot()) {
                                        // One-time spot: an interrupted worker is replaced by the controller, never
                                        // restarted.
                                        b.instanceMarketOptions(m -> m.marketType(MarketType.SPOT)
                                                .spotOptions(o -> o.spotInstanceType(SpotInstanceType.ONE_TIME)
                                                        .instanceInterruptionBehavior(
                                                                InstanceInterruptionBehavior.TERMINATE)));
                                    }
                                })
                                .tagSpecifications(
                                        Tags.spec(ResourceType.INSTANCE, launch.tags()),
                                        Tags.spec(ResourceType.VOLUME, launch.tags()))
                                .clientToken(launch.clientToken())))
                .instances();
        return started.stream()
                .sorted(Comparator.comparing(Instance::amiLaunchIndex))
                .toList();
    }

    /** The cluster's instances in {@code states}, found by the cluster-id tag. */
    List<Instance> find(ClusterContext cluster, List<String> states) {
        return find(List.of(
                Tags.clusterFilter(cluster),
                Filter.builder().name("instance-state-name").values(states).build()));
    }

    List<Instance> find(List<Filter> filters) {
        List<Instance> out = new ArrayList<>();
        ec2.describeInstancesPaginator(r -> r.filters(filters))
                .reservations()
                .forEach(res -> out.addAll(res.instances()));
        return out;
    }

    static Node node(Instance i) {
        Map<String, String> tags = Tags.toMap(i.tags());
        String name = tags.getOrDefault(ClusterContext.NODE_TAG, i.instanceId());
        NodeRole role = NodeRole.valueOf(
                tags.getOrDefault(ClusterContext.ROLE_TAG, "worker").toUpperCase(Locale.ROOT));
        return new Node(i.instanceId(), name, role);
    }

    /**
     * Terminates the instances {@code ids} by their ids, and waits until those EC2 lists are
     * terminated. The ids come from this cluster's own launches or listings: they are not filtered
     * through DescribeInstances first, because EC2 lists a just-launched instance only after a
     * while (its API is eventually consistent), and a rollback that filtered would leave such an
     * instance running. What EC2 does list must carry the cluster's id: an instance tagged with
     * another cluster (or none) is never terminated. An id EC2 does not know yet is tried again
     * until it does, at most {@link #NOT_YET_VISIBLE} (and never past {@code deadline}); one it
     * still does not know then is gone (nothing runs or bills under it) and is skipped with a warning.
     */
    void terminate(ClusterContext cluster, Collection<String> ids, Instant deadline) {
        if (ids.isEmpty()) {
            return;
        }
        List<String> foreign = find(
                        List.of(Filter.builder().name("instance-id").values(ids).build()))
                .stream()
                .filter(i -> !cluster.id().equals(Tags.toMap(i.tags()).get(ClusterContext.ID_TAG)))
                .map(Instance::instanceId)
                .toList();
        if (!foreign.isEmpty()) {
            LOG.warn("{}: not terminating {}: not tagged with this cluster's id", cluster.name(), foreign);
        }
        List<String> ours =
                ids.stream().distinct().filter(id -> !foreign.contains(id)).toList();
        Instant visible = deadline.isBefore(Instant.now().plus(NOT_YET_VISIBLE))
                ? deadline
                : Instant.now().plus(NOT_YET_VISIBLE);
        Set<String> unknown = new java.util.LinkedHashSet<>();
        for (String id : ours) {
            // One call per id: EC2 refuses the whole call for one id it does not know yet.
            try {
                Deadlines.retryOn(NOT_FOUND, visible, () -> ec2.terminateInstances(r -> r.instanceIds(id)));
            } catch (AwsServiceException e) {
                if (!NOT_FOUND.equals(Deadlines.errorCode(e))) {
                    throw e;
                }
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            LOG.warn(
                    "{}: EC2 does not know instances {} (gone already); nothing to terminate", cluster.name(), unknown);
        }
        Set<String> waiting = ours.stream().filter(id -> !unknown.contains(id)).collect(Collectors.toSet());
        if (waiting.isEmpty()) {
            return;
        }
        Deadlines.await(
                "instances " + waiting + " of cluster " + cluster.name() + " are terminated",
                deadline,
                () -> find(List.of(Filter.builder()
                                .name("instance-id")
                                .values(waiting)
                                .build()))
                        .stream()
                        .allMatch(i -> i.state().name() == InstanceStateName.TERMINATED));
    }

    /** Names each instance ({@link ClusterContext#NODE_TAG}) by its launch index. */
    void name(List<Instance> instances, List<String> names) {
        for (int i = 0; i < instances.size(); i++) {
            String name = names.get(instances.get(i).amiLaunchIndex());
            String id = instances.get(i).instanceId();
            ec2.createTags(r -> r.resources(id)
                    .tags(Tag.builder().key(ClusterContext.NODE_TAG).value(name).build()));
        }
    }

    /** The last {@code lines} lines of the instance's console output (its boot log). */
    String consoleTail(String instanceId, int lines) {
        try {
            String b64 = ec2.getConsoleOutput(r -> r.instanceId(instanceId)).output();
            if (b64 == null || b64.isEmpty()) {
                return "";
            }
            String text = new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
            List<String> all = text.lines().toList();
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream()
                    .collect(Collectors.joining("\n"));
        } catch (AwsServiceException | IllegalArgumentException e) {
            return "(console output unavailable: " + e.getMessage() + ")";
        }
    }
}
