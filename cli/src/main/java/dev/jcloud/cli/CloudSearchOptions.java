package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code --provider P} and that provider's flags (e.g. {@code --region R}) on commands that look a
 * cluster up on its platform rather than only in this machine's state ({@code list},
 * {@code down}, {@code gc}): the platform is the truth, so a cluster started elsewhere is found
 * by its tags. Other provider settings come from the configuration.
 */
final class CloudSearchOptions {

    @Option(
            names = "--provider",
            paramLabel = "NAME",
            description = "Also look on this provider's platform for clusters started from other machines.")
    String provider;

    boolean given() {
        return provider != null;
    }

    /** The provider's name and its options from the configuration and the flags in {@code parsed}. */
    Map.Entry<String, Map<String, String>> resolve(CommonOptions common, ParseResult parsed) {
        CloudProviders providers = CloudProviders.load();
        CloudProvider p = providers.require(provider);
        Map<String, String> names = new LinkedHashMap<>();
        names.put("cluster.provider", "--provider");
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("cluster.provider", provider);
        flags.putAll(ProviderFlags.given(parsed, p, providers, names));
        Settings settings = common.settings(flags, names);
        return Map.entry(p.name(), ProviderOptions.of(settings, p));
    }
}
