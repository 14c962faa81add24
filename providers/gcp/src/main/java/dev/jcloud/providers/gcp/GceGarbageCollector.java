package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.compute.v1.Disk;
import com.google.cloud.compute.v1.Firewall;
import com.google.cloud.compute.v1.Instance;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.NodeRole;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what jcloud left behind in a project: resources of a cluster id that has no live scheduler
 * instance (a crashed {@code up}, a laptop that died, a scheduler that deleted itself at idle
 * teardown and left its free firewall rules and service account), and removes them cluster by
 * cluster with the provider's own teardown. Labelled resources (instances, disks) are found by
 * label; firewall rules and service accounts, which have no labels, by their {@code jcloud-} name
 * and the cluster named in their description; read grants on the engine bucket by their condition
 * (the bucket and the engines in it are a shared cache and stay).
 */
final class GceGarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(GceGarbageCollector.class);

    private final GcpProvider provider;

    GceGarbageCollector(GcpProvider provider) {
        this.provider = provider;
    }

    GcReport collect(Map<String, String> settings, boolean dryRun, Duration minAge) {
        GcpOptions options = GcpOptions.of(new ClusterContext("gc", "gc", Path.of("."), settings));
        GcpClients gcp = provider.clients(options);
        GceInstances instances = new GceInstances(gcp, options);
        Instant youngest = Instant.now().minus(minAge);

        List<Instance> labelled = instances.find(Labels.anyClusterFilter());
        Set<String> alive = new HashSet<>();
        for (Instance i : labelled) {
            if (NodeRole.SCHEDULER.label().equals(i.getLabelsMap().get(Labels.ROLE))
                    && GceInstances.ALIVE.contains(i.getStatus())) {
                alive.add(i.getLabelsMap().get(Labels.CLUSTER_ID));
            }
        }
        List<GcReport.Item> items = new ArrayList<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (Instance i : labelled) {
            add(
                    items,
                    names,
                    alive,
                    youngest,
                    i.getLabelsMap().get(Labels.CLUSTER),
                    i.getLabelsMap().get(Labels.CLUSTER_ID),
                    created(i.getCreationTimestamp()),
                    "instance",
                    GceInstances.Ref.of(i).id());
        }
        for (Disk d : instances.orphanDisks(Labels.anyClusterFilter())) {
            add(
                    items,
                    names,
                    alive,
                    youngest,
                    d.getLabelsMap().get(Labels.CLUSTER),
                    d.getLabelsMap().get(Labels.CLUSTER_ID),
                    created(d.getCreationTimestamp()),
                    "disk",
                    Operations.lastSegment(d.getZone()) + "/" + d.getName());
        }
        for (Firewall f : new ClusterFirewall(gcp, options).findAll()) {
            GceNames.parseDescription(f.getDescription())
                    .ifPresent(d -> add(
                            items,
                            names,
                            alive,
                            youngest,
                            d.clusterName(),
                            d.clusterId(),
                            Instant.ofEpochSecond(d.createdEpochSecond()),
                            "firewall",
                            f.getName()));
        }
        for (JsonNode a : new ClusterServiceAccount(gcp, options.project()).findAll()) {
            GceNames.parseDescription(a.path("description").asText(null))
                    .ifPresent(d -> add(
                            items,
                            names,
                            alive,
                            youngest,
                            d.clusterName(),
                            d.clusterId(),
                            Instant.ofEpochSecond(d.createdEpochSecond()),
                            "service-account",
                            a.path("email").asText()));
        }
        for (JsonNode secret : new ClusterSecrets(gcp, options.project()).find("labels." + Labels.CLUSTER_ID + ":*")) {
            JsonNode labels = secret.path("labels");
            add(
                    items,
                    names,
                    alive,
                    youngest,
                    labels.path(Labels.CLUSTER).asText(null),
                    labels.path(Labels.CLUSTER_ID).asText(null),
                    created(secret.path("createTime").asText(null)),
                    "secret",
                    Operations.lastSegment(secret.path("name").asText()));
        }
        if (options.engineUrl().isEmpty()) {
            // Read grants on the shared engine bucket, by their condition's description (the bucket itself stays).
            for (String description : new EngineUploads(gcp.storage(), options).grantDescriptions()) {
                GceNames.parseDescription(description)
                        .ifPresent(d -> add(
                                items,
                                names,
                                alive,
                                youngest,
                                d.clusterName(),
                                d.clusterId(),
                                Instant.ofEpochSecond(d.createdEpochSecond()),
                                "engine-grant",
                                options.engineBucket() + ":" + EngineUploads.grantTitle(d.clusterId())));
            }
        }
        if (dryRun) {
            return new GcReport(items, false);
        }
        names.forEach((id, name) -> {
            LOG.info("gc: removing what is left of cluster {} ({})", name, id);
            provider.deleteSharedResources(new ClusterContext(validName(name), id, Path.of("."), settings));
        });
        return new GcReport(items, true);
    }

    private static void add(
            List<GcReport.Item> items,
            Map<String, String> names,
            Set<String> alive,
            Instant youngest,
            String clusterName,
            String clusterId,
            Instant created,
            String kind,
            String id) {
        if (clusterId == null || alive.contains(clusterId) || created.isAfter(youngest)) {
            return;
        }
        names.putIfAbsent(clusterId, clusterName);
        items.add(new GcReport.Item(clusterName, clusterId, kind, id));
    }

    /** RFC 3339 creation time; an unreadable one counts as old (found, never skipped). */
    private static Instant created(String timestamp) {
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            // Age unknown: treated as new, so only --min-age 0 collects it; never delete on a guess.
            return Instant.now();
        }
    }

    /** Teardown only needs the id; a name label edited by hand must not stop the clean-up. */
    private static String validName(String name) {
        try {
            return ClusterNames.check(name);
        } catch (IllegalArgumentException e) {
            return "orphan";
        }
    }
}
