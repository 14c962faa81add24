package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.config.SettingsLoader;
import dev.jcloud.provisioner.CloudProviders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --debug} and {@code --config FILE}, on every command. */
final class CommonOptions {

    @Option(names = "--debug", description = "Show stack traces of errors and what jcloud is doing (logs on stderr).")
    boolean debug;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Settings file to use instead of ./jcloud.yaml (the user file still applies).")
    Path config;

    /** True when {@code JCLOUD_DEBUG} is set to anything but empty, 0 or false. */
    static boolean debugFromEnvironment() {
        String v = System.getenv("JCLOUD_DEBUG");
        return v != null
                && !v.isBlank()
                && !v.equals("0")
                && !v.toLowerCase(Locale.ROOT).equals("false");
    }

    /**
     * The effective settings: defaults < user file < project file ({@code --config} or
     * {@code ./jcloud.yaml}) < {@code JCLOUD_*} < the given flags.
     *
     * @param flags     key path to raw value, only for flags the user gave
     * @param flagNames key path to flag name, for messages
     */
    Settings settings(Map<String, String> flags, Map<String, String> flagNames) {
        SettingsLoader loader = SettingsLoader.defaults();
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new IllegalArgumentException("--config: file " + config + " does not exist or is not a file");
            }
            loader = loader.projectFile(config);
        }
        CloudProviders providers = CloudProviders.load();
        return loader.withSections(providers.settingsSections())
                .withProviders(providers.available())
                .withFlags(flags, flagNames)
                .load();
    }
}
