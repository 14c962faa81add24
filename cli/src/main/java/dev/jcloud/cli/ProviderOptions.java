package dev.jcloud.cli;

import dev.jcloud.config.SettingValue;
import dev.jcloud.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The provider options of a cluster ({@code ClusterContext.options()}) from the effective settings:
 * every set key of the provider's configuration sections under its own name ({@code aws.region},
 * {@code fargate.worker-cpu}, ...), and the user's {@code cluster.tags} under the provider's tag
 * prefix. Providers validate the values themselves, before creating anything.
 */
final class ProviderOptions {

    private ProviderOptions() {}

    /** The configuration sections a provider reads. */
    static List<String> sections(String provider) {
        return switch (provider) {
            case "aws" -> List.of("aws");
            case "fargate" -> List.of("aws", "fargate");
            case "gcp" -> List.of("gcp");
            case "azure" -> List.of("azure");
            default -> List.of();
        };
    }

    /** Where a provider takes user tags from: {@code <prefix><key>}. */
    static String tagPrefix(String provider) {
        return switch (provider) {
            case "aws", "fargate" -> "aws.tag.";
            case "gcp" -> "gcp.label.";
            case "azure" -> "azure.tag.";
            default -> "tag.";
        };
    }

    static Map<String, String> of(Settings settings, String provider) {
        Map<String, String> options = new TreeMap<>();
        List<String> sections = sections(provider);
        for (SettingValue v : settings.explain()) {
            String section =
                    v.key().contains(".") ? v.key().substring(0, v.key().indexOf('.')) : v.key();
            if (sections.contains(section) && !v.displayValue().equals("null")) {
                options.put(v.key(), v.displayValue());
            }
        }
        settings.cluster().tags().forEach((k, v) -> options.put(tagPrefix(provider) + k, v));
        settings.prices()
                .forEach((k, v) -> options.put(
                        dev.jcloud.provisioner.elastic.ClusterPricing.PRICE_PREFIX + k, Double.toString(v)));
        return options;
    }
}
