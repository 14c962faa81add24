package dev.jcloud.cli;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command-line flags providers contribute through their settings ({@link SettingKey#flag}):
 * added to the commands that take provider options, and turned into setting keys for the
 * provider the user chose. A flag several providers declare ({@code --spot}, {@code --region})
 * is one option whose help names each provider.
 */
final class ProviderFlags {

    /** A command that takes the flags of the providers on the class path. */
    interface Taker {}

    private ProviderFlags() {}

    /** Adds every provider flag to the commands in {@code cl}'s tree that are {@link Taker}s. */
    static CommandLine addTo(CommandLine cl, CloudProviders providers) {
        if (cl.getCommand() instanceof Taker) {
            addTo(cl.getCommandSpec(), providers);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            addTo(sub, providers);
        }
        return cl;
    }

    private static void addTo(CommandSpec spec, CloudProviders providers) {
        Map<String, List<String>> help = new LinkedHashMap<>();
        Map<String, SettingKey<?>> first = new LinkedHashMap<>();
        for (CloudProvider p : providers.all()) {
            for (SettingKey<?> key : flagsOf(p).values()) {
                String flag = key.flag().orElseThrow().name();
                first.putIfAbsent(flag, key);
                List<String> lines = help.computeIfAbsent(flag, n -> new ArrayList<>());
                // Providers sharing a key (two providers of one platform reading one region key) share its line.
                int same = indexOfHelp(lines, key.help());
                if (same < 0) {
                    lines.add(p.name() + ": " + key.help());
                } else {
                    String had = lines.get(same);
                    lines.set(
                            same,
                            had.substring(0, had.indexOf(": ")) + ", " + p.name() + had.substring(had.indexOf(": ")));
                }
            }
        }
        Set<String> taken = new LinkedHashSet<>();
        spec.options().forEach(o -> taken.addAll(List.of(o.names())));
        first.forEach((name, key) -> {
            if (taken.contains(name)) {
                return; // the command defines it itself
            }
            String label = key.flag().orElseThrow().label();
            OptionSpec.Builder b = OptionSpec.builder(name)
                    .type(String.class)
                    .paramLabel(label)
                    .description(String.join(" ", help.get(name)));
            if (label.equals("true|false")) {
                b.arity("0..1").fallbackValue("true");
            }
            spec.addOption(b.build());
        });
    }

    private static int indexOfHelp(List<String> lines, String help) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(": " + help)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The provider flags the user gave, as setting key paths of {@code provider} to raw values,
     * and (in {@code names}) each key's flag name for messages. A flag of another provider is an
     * error naming the providers that take it.
     */
    static Map<String, String> given(
            ParseResult parsed, CloudProvider provider, CloudProviders providers, Map<String, String> names) {
        Map<String, SettingKey<?>> byFlag = flagsOf(provider);
        Map<String, String> out = new LinkedHashMap<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            String flag = o.longestName();
            if (!isProviderFlag(flag, providers)) {
                continue;
            }
            SettingKey<?> key = byFlag.get(flag);
            if (key == null) {
                List<String> takers = new ArrayList<>();
                for (CloudProvider p : providers.all()) {
                    if (flagsOf(p).containsKey(flag)) {
                        takers.add(p.name());
                    }
                }
                throw new IllegalArgumentException(flag + " is an option of " + String.join(", ", takers)
                        + ", not of provider " + provider.name());
            }
            out.put(key.path(), o.getValue());
            names.put(key.path(), flag);
        }
        return out;
    }

    /** Every key of {@code provider} that has a flag, by flag; later sections win (their keys are more specific). */
    static Map<String, SettingKey<?>> flagsOf(CloudProvider provider) {
        Map<String, SettingKey<?>> byFlag = new LinkedHashMap<>();
        for (SettingsSection section : provider.settings()) {
            for (SettingKey<?> key : section.keys()) {
                key.flag().ifPresent(f -> byFlag.put(f.name(), key));
            }
        }
        return byFlag;
    }

    private static boolean isProviderFlag(String flag, CloudProviders providers) {
        for (CloudProvider p : providers.all()) {
            if (flagsOf(p).containsKey(flag)) {
                return true;
            }
        }
        return false;
    }
}
