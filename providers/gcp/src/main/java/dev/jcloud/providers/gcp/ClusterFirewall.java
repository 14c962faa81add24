package dev.jcloud.providers.gcp;

import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.compute.v1.Allowed;
import com.google.cloud.compute.v1.Firewall;
import com.google.cloud.compute.v1.ListFirewallsRequest;
import com.google.cloud.compute.v1.Operation;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.net.Cidrs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's two ingress firewall rules on its VPC network, both aimed at the cluster's network
 * tags (GCP firewall rules apply to instances by target tag, not by membership of a group):
 *
 * <ul>
 *   <li>{@code jcloud-<id>-allow-from}: tcp {@value #SCHEDULER_PORT} (engine) and
 *       {@value #DASHBOARD_PORT} (dashboard) from the allow-from CIDRs only, to the scheduler's tag;</li>
 *   <li>{@code jcloud-<id>-internal}: all protocols from the cluster's node tag to the node tag, so
 *       workers and scheduler talk freely and nothing else reaches the engine.</li>
 * </ul>
 *
 * <p>Egress stays GCP's implied allow-all (the machines download a JRE and the engine). Other rules
 * already on the network (the default network's SSH/RDP/ICMP rules) are the user's and untouched.
 */
final class ClusterFirewall {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterFirewall.class);
    static final int SCHEDULER_PORT = 8786;
    static final int DASHBOARD_PORT = 8787;

    private final GcpClients gcp;
    private final GcpOptions options;
    private final Operations operations;

    ClusterFirewall(GcpClients gcp, GcpOptions options) {
        this.gcp = gcp;
        this.options = options;
        this.operations = new Operations(gcp, options.project());
    }

    /** The rules the cluster needs. */
    static List<Firewall> rules(ClusterContext cluster, String network, List<String> allowFrom, long createdEpoch) {
        List<Firewall> rules = new ArrayList<>();
        rules.add(Firewall.newBuilder()
                .setName(GceNames.allowFromFirewall(cluster))
                .setDescription(GceNames.description(
                        cluster, "scheduler and dashboard ports from " + String.join(",", allowFrom), createdEpoch))
                .setNetwork(network)
                .setDirection("INGRESS")
                .setPriority(1000)
                .addAllowed(Allowed.newBuilder()
                        .setIPProtocol("tcp")
                        .addPorts(Integer.toString(SCHEDULER_PORT))
                        .addPorts(Integer.toString(DASHBOARD_PORT)))
                .addAllSourceRanges(allowFrom)
                .addTargetTags(GceNames.schedulerTag(cluster))
                .build());
        rules.add(Firewall.newBuilder()
                .setName(GceNames.internalFirewall(cluster))
                .setDescription(
                        GceNames.description(cluster, "all traffic between the cluster's machines", createdEpoch))
                .setNetwork(network)
                .setDirection("INGRESS")
                .setPriority(1000)
                .addAllowed(Allowed.newBuilder().setIPProtocol("all"))
                .addSourceTags(GceNames.nodeTag(cluster))
                .addTargetTags(GceNames.nodeTag(cluster))
                .build());
        return rules;
    }

    /** Creates the missing rules and corrects changed ones (a re-run with another allow-from). */
    void ensure(ClusterContext cluster, List<String> allowFrom, long createdEpoch, Instant deadline) {
        if (allowFrom.contains(Cidrs.ANYWHERE)) {
            LOG.warn(
                    "{}: the scheduler and dashboard ports are open to the whole internet ({}) because it was asked"
                            + " for explicitly",
                    cluster.name(),
                    Cidrs.ANYWHERE);
        }
        List<Operation> pending = new ArrayList<>();
        for (Firewall wanted : rules(cluster, options.network(), allowFrom, createdEpoch)) {
            Optional<Firewall> existing = get(wanted.getName());
            if (existing.isEmpty()) {
                pending.add(gcp.firewalls()
                        .insertCallable()
                        .call(com.google.cloud.compute.v1.InsertFirewallRequest.newBuilder()
                                .setProject(options.project())
                                .setFirewallResource(wanted)
                                .build()));
                LOG.info("{}: creating firewall rule {}", cluster.name(), wanted.getName());
            } else if (!new HashSet<>(existing.get().getSourceRangesList())
                    .equals(new HashSet<>(wanted.getSourceRangesList()))) {
                // Only the source ranges follow the options; the description keeps its first creation time.
                Firewall patch = Firewall.newBuilder()
                        .clearSourceRanges()
                        .addAllSourceRanges(wanted.getSourceRangesList())
                        .build();
                pending.add(gcp.firewalls()
                        .patchCallable()
                        .call(com.google.cloud.compute.v1.PatchFirewallRequest.newBuilder()
                                .setProject(options.project())
                                .setFirewall(wanted.getName())
                                .setFirewallResource(patch)
                                .build()));
                LOG.info("{}: updating firewall rule {} to allow {}", cluster.name(), wanted.getName(), allowFrom);
            }
        }
        for (Operation op : pending) {
            operations.await(op, deadline, "creating firewall rule " + Operations.lastSegment(op.getTargetLink()));
        }
    }

    /** The cluster's rules (by name prefix; firewall rules have no labels). */
    List<Firewall> find(ClusterContext cluster) {
        return list("name eq \"" + GceNames.firewallPrefix(cluster) + ".*\"");
    }

    /** Every rule jcloud created in the project. */
    List<Firewall> findAll() {
        return list("name eq \"" + GceNames.PREFIX + ".*\"");
    }

    private List<Firewall> list(String filter) {
        List<Firewall> out = new ArrayList<>();
        gcp.firewalls()
                .list(ListFirewallsRequest.newBuilder()
                        .setProject(options.project())
                        .setFilter(filter)
                        .build())
                .iterateAll()
                .forEach(out::add);
        return out;
    }

    /** Deletes the cluster's rules and waits; rules already gone are fine. */
    void delete(ClusterContext cluster, Instant deadline) {
        List<Operation> pending = new ArrayList<>();
        for (Firewall f : find(cluster)) {
            try {
                pending.add(gcp.firewalls()
                        .deleteCallable()
                        .call(com.google.cloud.compute.v1.DeleteFirewallRequest.newBuilder()
                                .setProject(options.project())
                                .setFirewall(f.getName())
                                .build()));
            } catch (NotFoundException e) {
                // deleted by another process in the meantime
            }
        }
        for (Operation op : pending) {
            operations.await(op, deadline, "deleting firewall rule " + Operations.lastSegment(op.getTargetLink()));
            LOG.info("{}: deleted firewall rule {}", cluster.name(), Operations.lastSegment(op.getTargetLink()));
        }
    }

    private Optional<Firewall> get(String name) {
        try {
            return Optional.of(gcp.firewalls().get(options.project(), name));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }
}
