package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One setting a plugin (a provider) declares: its key path, default, how its text is read and
 * checked, its help text, its command-line flag and whether it is secret. {@link SettingsLoader}
 * validates the key with the same parser in every source (files, {@code JCLOUD_*} variables,
 * flags), and {@link #read} reads it back from a cluster's options with that parser again, so a
 * value is checked by one rule wherever it appears.
 *
 * <p>Instances are immutable; {@code describedAs}, {@code flag} and {@code secret} return copies.
 *
 * @param <T> the type of the parsed value
 */
public final class SettingKey<T> {

    /**
     * A command-line flag that sets this key, contributed to the commands that take provider
     * options ({@code cluster up}, {@code export-terraform}).
     *
     * @param name  e.g. {@code --region}
     * @param label the value's placeholder in help, e.g. {@code REGION}
     */
    public record Flag(String name, String label) {

        public Flag {
            requireNonNull(name, "name is null");
            requireNonNull(label, "label is null");
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("a flag name starts with '--' (was '" + name + "')");
            }
        }
    }

    private final Key key;
    private final String help;
    private final Optional<Flag> flag;
    private final boolean secret;

    private SettingKey(Key key, String help, Optional<Flag> flag, boolean secret) {
        this.key = key;
        this.help = help;
        this.flag = flag;
        this.secret = secret;
    }

    /** A non-empty text with a default. */
    public static SettingKey<String> text(String path, String defaultValue) {
        requireNonNull(defaultValue, "defaultValue is null");
        return of(Key.value(path, defaultValue, Parsers.nonEmptyString(), v -> v));
    }

    /** A non-empty text, unset by default. */
    public static SettingKey<Optional<String>> optionalText(String path) {
        return of(Key.value(path, Optional.empty(), Parsers.optional(Parsers.nonEmptyString()), SettingKey::orNull));
    }

    /** A text that must match {@code pattern} whole, with a default; {@code requirement} says what is accepted. */
    public static SettingKey<String> matching(String path, String defaultValue, Pattern pattern, String requirement) {
        return of(Key.value(path, defaultValue, Parsers.matching(pattern, requirement), v -> v));
    }

    /** A text that must match {@code pattern} whole, unset by default. */
    public static SettingKey<Optional<String>> optionalMatching(String path, Pattern pattern, String requirement) {
        return of(Key.value(
                path, Optional.empty(), Parsers.optional(Parsers.matching(pattern, requirement)), SettingKey::orNull));
    }

    /** {@code true} or {@code false}, false by default. */
    public static SettingKey<Boolean> bool(String path) {
        return of(Key.value(path, Boolean.FALSE, Parsers.bool(), v -> v));
    }

    /** A whole number between {@code min} and {@code max}. */
    public static SettingKey<Integer> wholeNumber(String path, int defaultValue, int min, int max) {
        return of(Key.value(
                path,
                defaultValue,
                Parsers.wholeNumber(min, max, "must be a whole number from " + min + " to " + max),
                v -> v));
    }

    /** One of the given whole numbers. */
    public static SettingKey<Integer> oneOfNumbers(String path, int defaultValue, int... allowed) {
        return of(Key.value(path, defaultValue, Parsers.oneOfNumbers(allowed), v -> v));
    }

    /**
     * Comma-separated blocks a cloud firewall accepts ({@link FirewallCidr}: IPv4, no host bits),
     * unset by default: what an {@code allow-from} key takes.
     */
    public static SettingKey<Optional<String>> optionalFirewallCidrs(String path) {
        return of(Key.value(path, Optional.empty(), Parsers.optional(Parsers.firewallCidrs()), SettingKey::orNull));
    }

    /** Comma-separated CIDR blocks (IPv4 or IPv6), unset by default. */
    public static SettingKey<Optional<String>> optionalCidrs(String path) {
        return of(Key.value(path, Optional.empty(), Parsers.optional(Parsers.cidrs()), SettingKey::orNull));
    }

    /** A duration such as {@code 90s} or {@code 5m}. */
    public static SettingKey<Duration> duration(String path, String defaultText) {
        Duration d = Durations.parse(defaultText);
        return of(Key.value(path, d, Parsers.duration(), v -> Durations.format((Duration) v)));
    }

    /** A duration from zero to {@code max}, e.g. a billed minimum. */
    public static SettingKey<Duration> duration(String path, String defaultText, Duration max) {
        Duration d = Durations.parse(defaultText);
        return of(Key.value(path, d, Parsers.durationUpTo(max), v -> Durations.format((Duration) v)));
    }

    private static <T> SettingKey<T> of(Key key) {
        return new SettingKey<>(key, "", Optional.empty(), false);
    }

    /** A copy with this help text (one or more sentences, no line breaks). */
    public SettingKey<T> describedAs(String text) {
        return new SettingKey<>(key, requireNonNull(text, "text is null"), flag, secret);
    }

    /** A copy that a command-line flag also sets. */
    public SettingKey<T> flag(String name, String label) {
        return new SettingKey<>(key, help, Optional.of(new Flag(name, label)), secret);
    }

    /** A copy that no flag sets. */
    public SettingKey<T> withoutFlag() {
        return new SettingKey<>(key, help, Optional.empty(), secret);
    }

    /** A copy whose value is never shown ({@code config show}, errors, logs). */
    public SettingKey<T> secret() {
        return new SettingKey<>(key, help, flag, true);
    }

    /** The key path, e.g. {@code aws.region}. */
    public String path() {
        return key.path;
    }

    /** The section the key lives in: its path up to the first dot. */
    public String section() {
        return key.path.substring(0, key.path.indexOf('.'));
    }

    public String help() {
        return help;
    }

    public Optional<Flag> flag() {
        return flag;
    }

    public boolean isSecret() {
        return secret;
    }

    /** The default as users write it, e.g. {@code m6i.large}; {@code null} when unset by default. */
    public String defaultText() {
        Object scalar = key.toYaml.apply(key.defaultValue);
        return scalar == null ? null : key.display(key.defaultValue);
    }

    /**
     * The value of this key in a cluster's {@code options} (key path to text, as the settings
     * wrote them), or its default when absent.
     *
     * @throws IllegalArgumentException naming the key, what is accepted and what was given
     */
    @SuppressWarnings("unchecked")
    public T read(Map<String, String> options) {
        String text = options.get(key.path);
        if (text == null) {
            return (T) key.defaultValue;
        }
        try {
            return (T) key.parser.parse(text);
        } catch (Invalid e) {
            throw new IllegalArgumentException(key.path + " " + e.requirement
                    + (e.was == null ? "" : " (was " + (secret ? Redactor.MASK : e.was) + ")"));
        }
    }

    Key key() {
        return key;
    }

    @Override
    public String toString() {
        return key.path;
    }

    private static Object orNull(Object optional) {
        return ((Optional<?>) optional).orElse(null);
    }
}
