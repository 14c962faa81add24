package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.picocli.CommandLine.Option;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --provider P [--region R]} on commands that look a cluster up in the cloud rather than
 * only in this machine's state ({@code list}, {@code down}): the cloud is the truth, so a cluster
 * started elsewhere is found by its tags. Other provider settings come from the configuration.
 */
final class CloudSearchOptions {

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description =
                    "Also look in this cloud for clusters started from other machines (aws, fargate, gcp, azure).")
    String provider;

    @Option(names = "--region", paramLabel = "REGION", description = "aws, fargate: the region to look in.")
    String region;

    boolean given() {
        return provider != null;
    }

    /** The provider's name and its options from the configuration and these flags. */
    Map.Entry<String, Map<String, String>> resolve(CommonOptions common) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("cluster.provider", provider);
        if (region != null) {
            flags.put("aws.region", region);
        }
        Settings settings = common.settings(flags, Map.of("cluster.provider", "--provider", "aws.region", "--region"));
        String name = settings.cluster().provider().id();
        return Map.entry(name, ProviderOptions.of(settings, name));
    }
}
