package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.ServiceAccount;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the clusters of a project from any machine: every instance labelled as a cluster's
 * scheduler that is alive is one cluster, named and identified by its labels. Its context is
 * rebuilt from what the scheduler carries: the options the cluster was created with (metadata
 * {@value #OPTIONS_KEY}, written at launch by {@link #recorded}), the zone it runs in and the
 * service account it runs as. The project and endpoint are the caller's (that is where it looked).
 * So {@code down}, {@code scale} and {@code gc} from another machine act on the cluster as it was
 * made: the user's own service account is left alone, a custom engine bucket's grant is revoked,
 * and workers get the scheduler's machine type and engine.
 */
final class GceDiscovery {

    /** Scheduler metadata: the cluster's options (JSON object), without project and endpoint. */
    static final String OPTIONS_KEY = "jcloud-options";

    private static final Logger LOG = LoggerFactory.getLogger(GceDiscovery.class);

    private final GcpClients gcp;
    private final GcpOptions options;

    GceDiscovery(GcpClients gcp, GcpOptions options) {
        this.gcp = gcp;
        this.options = options;
    }

    /**
     * The list filter selecting every cluster's scheduler instances: two expressions, each in
     * parentheses, which Compute Engine's list filters AND together.
     */
    static String schedulerFilter() {
        return "(labels." + Labels.ROLE + " = \"" + NodeRole.SCHEDULER.label() + "\") (" + Labels.anyClusterFilter()
                + ")";
    }

    /**
     * What a scheduler instance records of its cluster's options: the provider's own ({@code gcp.*})
     * but for where it is looked for (project, endpoint), and whether it uses TLS. None is a secret:
     * a given engine URL is already in the boot script, and the rest names machine types, zones and
     * networks.
     */
    static String recorded(Map<String, String> clusterOptions) {
        Map<String, String> out = new TreeMap<>();
        clusterOptions.forEach((k, v) -> {
            if (k.startsWith("gcp.") && !k.equals(GcpOptions.PROJECT) && !k.equals(GcpOptions.ENDPOINT)
                    || k.equals(ClusterTrust.OPTION)) {
                out.put(k, v);
            }
        });
        try {
            return GoogleRest.JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the cluster's options as JSON", e);
        }
    }

    /** The clusters with a live scheduler instance, each with {@code settings} merged with what it carries. */
    List<ClusterContext> find(Map<String, String> settings) {
        List<ClusterContext> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Instance scheduler : new GceInstances(gcp, options).find(schedulerFilter())) {
            if (!GceInstances.ALIVE.contains(scheduler.getStatus())) {
                continue;
            }
            String name = scheduler.getLabelsMap().get(Labels.CLUSTER);
            String id = scheduler.getLabelsMap().get(Labels.CLUSTER_ID);
            if (name == null || !ClusterNames.isValid(name) || !GcpOptions.validClusterId(id)) {
                LOG.warn(
                        "skipping instance {}: its labels {}={} and {}={} name no cluster jcloud could have made",
                        scheduler.getName(),
                        Labels.CLUSTER,
                        name,
                        Labels.CLUSTER_ID,
                        id);
                continue;
            }
            if (seen.add(id)) {
                out.add(new ClusterContext(name, id, Path.of("."), merged(settings, name, id, scheduler)));
            }
        }
        return out;
    }

    private Map<String, String> merged(Map<String, String> settings, String name, String id, Instance scheduler) {
        Map<String, String> merged = new LinkedHashMap<>(settings);
        metadata(scheduler, OPTIONS_KEY).ifPresent(json -> merged.putAll(parse(json, scheduler.getName())));
        // What the instance itself says wins over any record: where it runs, as whom.
        merged.put(GcpOptions.ZONE, Operations.lastSegment(scheduler.getZone()));
        String own =
                GceNames.serviceAccountEmail(new ClusterContext(name, id, Path.of("."), Map.of()), options.project());
        scheduler.getServiceAccountsList().stream()
                .map(ServiceAccount::getEmail)
                .filter(email -> !email.isEmpty())
                .findFirst()
                .ifPresent(email -> {
                    if (email.equals(own)) {
                        merged.remove(GcpOptions.SERVICE_ACCOUNT);
                    } else {
                        merged.put(GcpOptions.SERVICE_ACCOUNT, email);
                    }
                });
        return merged;
    }

    private static Map<String, String> parse(String json, String instance) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JsonNode node = GoogleRest.JSON.readTree(json);
            node.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()
                        && (e.getKey().startsWith("gcp.") || e.getKey().equals(ClusterTrust.OPTION))
                        && !e.getKey().equals(GcpOptions.PROJECT)
                        && !e.getKey().equals(GcpOptions.ENDPOINT)) {
                    out.put(e.getKey(), e.getValue().asText());
                }
            });
        } catch (JsonProcessingException e) {
            LOG.warn("instance {}: unreadable metadata {} ({}); using the given options", instance, OPTIONS_KEY, e);
        }
        return out;
    }

    private static Optional<String> metadata(Instance i, String key) {
        return i.getMetadata().getItemsList().stream()
                .filter(item -> item.getKey().equals(key))
                .map(Items::getValue)
                .findFirst();
    }
}
