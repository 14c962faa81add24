package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A section of settings that a plugin (a provider) contributes, e.g. {@code aws}: its keys and
 * the rules that tie several keys together. {@link SettingsLoader#withSections} adds sections to
 * the built-in ones; a key under an unknown section is an error with a "did you mean" hint, as
 * for built-in keys.
 *
 * @param name  the section's name, the first segment of each key path
 * @param keys  its keys, in the order {@code config show} lists them
 * @param rules checks across keys, run once every source has been read
 */
public record SettingsSection(String name, List<SettingKey<?>> keys, List<Rule> rules) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    /**
     * A check across several keys of the section, e.g. a memory size that must suit a CPU size.
     * It sees the parsed values (default or set) by key path.
     */
    @FunctionalInterface
    public interface Rule {

        Optional<Violation> check(Function<String, Object> values);
    }

    /**
     * What a {@link Rule} found.
     *
     * @param key         the key to blame, e.g. {@code fargate.worker-memory}
     * @param involved    every key whose value played a part, for naming where they came from
     * @param requirement e.g. {@code must be 2048 to 8192 when fargate.worker-cpu is 1024}
     * @param was         the blamed value as text
     */
    public record Violation(String key, List<String> involved, String requirement, String was) {

        public Violation {
            requireNonNull(key, "key is null");
            involved = List.copyOf(involved);
            requireNonNull(requirement, "requirement is null");
        }
    }

    public SettingsSection {
        requireNonNull(name, "name is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "a section name is lowercase letters, digits and '-' (was " + name + ")");
        }
        keys = List.copyOf(keys);
        rules = List.copyOf(rules);
        for (SettingKey<?> k : keys) {
            if (!k.section().equals(name)) {
                throw new IllegalArgumentException("key " + k.path() + " is not in section " + name);
            }
        }
    }

    /** A section without cross-key rules. */
    public static SettingsSection of(String name, SettingKey<?>... keys) {
        return new SettingsSection(name, List.of(keys), List.of());
    }

    /**
     * The same section for a provider that reads all of its keys but takes only some of their
     * flags: a provider that shares another's section (Fargate reads {@code aws.region}) offers
     * the flags that mean something for it, not the other's machine types.
     */
    public SettingsSection keepingFlags(String... flagNames) {
        List<String> keep = List.of(flagNames);
        List<SettingKey<?>> kept = new ArrayList<>();
        for (SettingKey<?> k : keys) {
            kept.add(k.flag().map(f -> keep.contains(f.name())).orElse(false) ? k : k.withoutFlag());
        }
        return new SettingsSection(name, kept, rules);
    }

    /** A copy with one more rule. */
    public SettingsSection withRule(Rule rule) {
        List<Rule> all = new ArrayList<>(rules);
        all.add(requireNonNull(rule, "rule is null"));
        return new SettingsSection(name, keys, all);
    }
}
