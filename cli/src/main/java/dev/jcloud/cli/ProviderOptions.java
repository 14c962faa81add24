package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import java.util.Map;
import java.util.TreeMap;

/**
 * The provider options of a cluster ({@code ClusterContext.options()}) from the effective settings:
 * every set key of the sections the provider declares, under its own name
 * ({@code <section>.<key>}), the user's {@code cluster.tags} under the provider's tag
 * prefix, and the user's prices. Providers read them back with their keys' parsers.
 */
final class ProviderOptions {

    private ProviderOptions() {}

    static Map<String, String> of(Settings settings, CloudProvider provider) {
        Map<String, String> options = new TreeMap<>();
        for (SettingsSection section : provider.settings()) {
            options.putAll(settings.sectionOptions(section.name()));
        }
        settings.cluster().tags().forEach((k, v) -> options.put(provider.userTagPrefix() + k, v));
        settings.prices().forEach((k, v) -> options.put(ClusterPricing.PRICE_PREFIX + k, Double.toString(v)));
        return options;
    }
}
