package dev.jcloud.providers.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import dev.jcloud.config.SettingKey;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the clusters of a subscription from any machine: every resource group jcloud named and
 * tagged for a cluster ({@code jcloud-<name>-<id>}, tag {@code jcloud.cluster-id}) whose scheduler
 * VM is running is one cluster. Its context is rebuilt from what Azure holds: the location is the
 * group's, the options the cluster was created with are the scheduler VM's {@value #OPTIONS_TAG}
 * tag (written at launch by {@link #recorded}), and the user's tags are the scheduler VM's other
 * tags. The subscription and endpoint are the caller's (that is where it looked). So {@code down}
 * from another machine purges the cluster's vaults and engine cache grants in the right location,
 * and {@code scale} gives workers the VM size, Spot setting, image and tags the cluster was made with.
 */
final class AzureDiscovery {

    /** Scheduler VM tag: the cluster's options, form-encoded, without where it is and without secrets. */
    static final String OPTIONS_TAG = "jcloud.options";
    /** Azure's limit for a tag value. */
    static final int TAG_VALUE_LIMIT = 256;

    private static final Logger LOG = LoggerFactory.getLogger(AzureDiscovery.class);

    private final AzureClients azure;

    AzureDiscovery(AzureClients azure) {
        this.azure = azure;
    }

    /**
     * What the scheduler VM records of its cluster's options: the provider's own but where it is
     * looked for (subscription, endpoint, location: the group's), the user's tags (on the VM
     * already) and the engine URL and checksum (a URL may carry a SAS, and tags are readable by
     * every Reader of the subscription), plus whether the cluster uses TLS. Values equal to the
     * setting's default are left out (the command line passes every default; a tag value holds 256
     * characters). Empty when they still do not fit; another machine then uses its own options.
     */
    static Optional<String> recorded(Map<String, String> clusterOptions) {
        Map<String, String> defaults = new HashMap<>();
        for (SettingKey<?> key : AzureSettings.SECTION.keys()) {
            if (key.defaultText() != null) {
                defaults.put(key.path(), key.defaultText());
            }
        }
        Map<String, String> kept = new TreeMap<>();
        clusterOptions.forEach((k, v) -> {
            if (recordable(k) && !v.equals(defaults.get(k))) {
                kept.put(k, v);
            }
        });
        String value = kept.entrySet().stream()
                .map(e -> encode(e.getKey().startsWith("azure.") ? e.getKey().substring(6) : e.getKey()) + "="
                        + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return value.length() <= TAG_VALUE_LIMIT ? Optional.of(value) : Optional.empty();
    }

    private static boolean recordable(String key) {
        if (key.equals(ClusterTrust.OPTION)) {
            return true;
        }
        return key.startsWith("azure.")
                && !key.startsWith(AzureOptions.TAG_PREFIX)
                && !List.of(
                                AzureOptions.SUBSCRIPTION,
                                AzureOptions.ENDPOINT,
                                AzureOptions.LOCATION,
                                AzureOptions.ENGINE_URL,
                                AzureOptions.ENGINE_SHA256)
                        .contains(key);
    }

    /** The options {@link #recorded} wrote; unknown or unreadable parts are left out. */
    static Map<String, String> parse(String tag) {
        Map<String, String> out = new LinkedHashMap<>();
        if (tag == null || tag.isBlank()) {
            return out;
        }
        for (String pair : tag.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            String key = name.equals(ClusterTrust.OPTION) ? name : "azure." + name;
            if (recordable(key)) {
                out.put(key, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The clusters with a running scheduler VM, each with {@code settings} merged with what Azure holds of it. */
    List<ClusterContext> find(Map<String, String> settings) {
        List<ClusterContext> out = new ArrayList<>();
        ClusterVms vms = new ClusterVms(azure);
        for (ResourceGroupInner group :
                azure.resources().getResourceGroups().list(AzureGarbageCollector.JCLOUD_TAGGED, null, Context.NONE)) {
            String id = AzureTags.get(group.tags(), ClusterContext.ID_TAG);
            String name = AzureTags.get(group.tags(), ClusterContext.NAME_TAG);
            // Only groups jcloud named itself: a tag copied by hand onto another group names no cluster.
            if (id == null
                    || name == null
                    || !ClusterNames.isValid(name)
                    || !group.name().equalsIgnoreCase("jcloud-" + name + "-" + id)) {
                continue;
            }
            Optional<VirtualMachineInner> scheduler = vms.find(group.name(), id).stream()
                    .filter(vm -> ClusterVms.node(vm).role() == NodeRole.SCHEDULER)
                    // The power state needs the instance view: a stopped scheduler serves nobody.
                    .map(vm -> vms.get(group.name(), vm.name()))
                    .filter(vm -> vm != null && ClusterVms.alive(vm))
                    .findFirst();
            if (scheduler.isEmpty()) {
                LOG.debug("resource group {} has no running scheduler VM: no running cluster", group.name());
                continue;
            }
            out.add(new ClusterContext(name, id, Path.of("."), merged(settings, group, scheduler.get())));
        }
        return out;
    }

    private static Map<String, String> merged(
            Map<String, String> settings, ResourceGroupInner group, VirtualMachineInner scheduler) {
        Map<String, String> merged = new LinkedHashMap<>(settings);
        Map<String, String> tags = scheduler.tags() == null ? Map.of() : scheduler.tags();
        merged.putAll(parse(AzureTags.get(tags, OPTIONS_TAG)));
        tags.forEach((k, v) -> {
            if (!k.toLowerCase(Locale.ROOT).startsWith("jcloud.")) {
                merged.put(AzureOptions.TAG_PREFIX + k, v);
            }
        });
        merged.put(AzureOptions.LOCATION, group.location().toLowerCase(Locale.ROOT));
        return merged;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
