package dev.jcloud.config;

import static dev.jcloud.config.Parsers.duration;
import static dev.jcloud.config.Parsers.matching;
import static dev.jcloud.config.Parsers.number;
import static dev.jcloud.config.Parsers.oneOf;
import static dev.jcloud.config.Parsers.optional;
import static dev.jcloud.config.Parsers.wholeNumber;
import static dev.jcloud.config.Parsers.wholeNumberAtLeast;

import dev.jcloud.config.Settings.TlsMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every key jcloud understands, in the order {@code config show} lists them, with defaults and
 * rules: the built-in sections ({@code cluster}, {@code scheduler}, {@code worker},
 * {@code security}, {@code prices}) and the sections that plugins contribute
 * ({@link SettingsSection}). Adding a built-in setting means adding a line here and a component
 * to its record in {@link Settings}.
 */
final class Schema {

    /** Valid as a tag value, a DNS label and a resource name prefix on every platform. */
    static final Pattern CLUSTER_NAME = Pattern.compile("[a-z][a-z0-9-]{0,38}[a-z0-9]");
    /** A provider's name as it is written in settings and flags. */
    static final Pattern PROVIDER_NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");

    static final Pattern PRICE_KEY = Pattern.compile("([a-z][a-z0-9-]{0,30})/[^/\\s]+/[^/\\s]+");
    /** The provider {@code cluster.provider} names unless set: this machine. */
    static final String DEFAULT_PROVIDER = "local";

    private static final Set<String> CORE_SECTIONS =
            Set.of("cluster", "cluster.adapt", "scheduler", "worker", "security");

    final List<Key> keys;
    /** Paths that hold other keys; {@code cluster.adapt} is both a section and a switch. */
    final Set<String> sections;

    final List<SettingsSection.Rule> rules;

    private final Map<String, Key> byPath;
    private final Map<String, Key> byEnv;
    private final Set<String> secrets;

    private Schema(List<Key> keys, Set<String> sections, List<SettingsSection.Rule> rules, Set<String> secrets) {
        this.keys = List.copyOf(keys);
        this.sections = Set.copyOf(sections);
        this.rules = List.copyOf(rules);
        this.secrets = Set.copyOf(secrets);
        Map<String, Key> path = new LinkedHashMap<>();
        Map<String, Key> env = new LinkedHashMap<>();
        for (Key key : this.keys) {
            if (path.put(key.path, key) != null) {
                throw new IllegalStateException("two settings have the key " + key.path);
            }
            if (env.put(key.envName(), key) != null) {
                throw new IllegalStateException("two keys map to " + key.envName());
            }
        }
        this.byPath = Collections.unmodifiableMap(path);
        this.byEnv = Collections.unmodifiableMap(env);
    }

    /**
     * The built-in keys plus {@code contributed} sections.
     *
     * @param providers the provider names {@code cluster.provider} and price keys accept; empty
     *                  accepts any well-formed name (the providers are checked where they are loaded)
     */
    static Schema of(Collection<SettingsSection> contributed, Collection<String> providers) {
        List<Key> k = new ArrayList<>();
        Set<String> sections = new LinkedHashSet<>(CORE_SECTIONS);
        k.add(Key.value(
                "cluster.name",
                Optional.empty(),
                optional(matching(
                        CLUSTER_NAME,
                        "must be 2 to 40 lowercase letters, digits or '-',"
                                + " starting with a letter and not ending with '-'")),
                Schema::orNull));
        k.add(Key.value("cluster.provider", DEFAULT_PROVIDER, providerName(providers), v -> v));
        k.add(Key.value("cluster.workers", 4, wholeNumberAtLeast(0), v -> v));
        k.add(durationKey("cluster.idle-timeout", "20m", true));
        k.add(durationKey("cluster.no-client-timeout", "off", true));
        k.add(durationKey("cluster.death-timeout", "60s", true));
        k.add(durationKey("cluster.wait-timeout", "5m", true));
        k.add(Key.map("cluster.tags", Schema::checkTagKey, Schema::parseTagValue, v -> v));
        k.add(Key.toggle("cluster.adapt"));
        k.add(Key.value("cluster.adapt.min", 0, wholeNumberAtLeast(0), v -> v));
        k.add(Key.value("cluster.adapt.max", 0, wholeNumberAtLeast(0), v -> v));
        k.add(Key.value(
                "cluster.adapt.target-duration",
                Duration.ofSeconds(5),
                Parsers.positiveDuration(),
                v -> Durations.format((Duration) v)));
        Map<String, String> goals = new LinkedHashMap<>();
        List.of("cost", "balanced", "latency").forEach(g -> goals.put(g, g));
        k.add(Key.value("cluster.adapt.goal", "cost", oneOf(goals), v -> v));

        k.add(Key.value("scheduler.port", 8786, wholeNumber(0, 65535, "must be between 0 and 65535"), v -> v));
        k.add(Key.value(
                "scheduler.dashboard-port",
                8787,
                wholeNumber(-1, 65535, "must be between -1 (off) and 65535"),
                v -> v));

        k.add(Key.value("worker.nthreads", 0, wholeNumberAtLeast(0), v -> v));
        k.add(Key.value(
                "worker.memory-limit",
                Optional.empty(),
                Parsers.memoryLimit(),
                v -> ((Optional<?>) v).map(Object::toString).orElse("auto")));
        k.add(Key.map(
                "worker.resources", Schema::checkResourceName, number(x -> x > 0, "must be a number > 0"), v -> v));
        k.add(fractionKey("worker.spill-fraction", 0.6));
        k.add(fractionKey("worker.pause-fraction", 0.8));
        k.add(fractionKey("worker.terminate-fraction", 0.95));

        Map<String, TlsMode> tls = new LinkedHashMap<>();
        tls.put("auto", TlsMode.AUTO);
        tls.put("true", TlsMode.ON);
        tls.put("false", TlsMode.OFF);
        k.add(Key.value("security.tls", TlsMode.AUTO, oneOf(tls), v -> switch ((TlsMode) v) {
            case AUTO -> "auto";
            case ON -> Boolean.TRUE;
            case OFF -> Boolean.FALSE;
        }));

        List<SettingsSection.Rule> rules = new ArrayList<>();
        Set<String> secrets = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (SettingsSection section : contributed) {
            if (!seen.add(section.name())) {
                continue; // two providers of one module share a section (e.g. EC2 and Fargate read aws.*)
            }
            if (sections.contains(section.name()) || section.name().equals("prices")) {
                throw new IllegalStateException("section " + section.name() + " is built in");
            }
            sections.add(section.name());
            for (SettingKey<?> key : section.keys()) {
                k.add(key.key());
                if (key.isSecret()) {
                    secrets.add(key.path());
                }
            }
            rules.addAll(section.rules());
        }

        k.add(Key.map(
                "prices",
                (String key) -> checkPriceKey(key, providers),
                number(x -> x >= 0, "must be a price in USD per hour ≥ 0"),
                v -> v));
        return new Schema(k, sections, rules, secrets);
    }

    /** The key at exactly {@code path}, or null. */
    Key key(String path) {
        return byPath.get(path);
    }

    /** The key whose {@code JCLOUD_*} variable is {@code name}, or null. */
    Key byEnv(String name) {
        return byEnv.get(name);
    }

    Set<String> envNames() {
        return byEnv.keySet();
    }

    /** Whether the value at {@code path} must never be shown: declared secret, or named like a secret. */
    boolean isSecret(String path) {
        return secrets.contains(path) || Redactor.isSecretKey(path);
    }

    /** Every path a user may write: keys and sections, for "did you mean" suggestions. */
    Set<String> allPaths() {
        Set<String> all = new LinkedHashSet<>(sections);
        all.add("prices");
        all.addAll(byPath.keySet());
        return all;
    }

    /** The switch that turns on the section holding {@code path}, or null. */
    Key switchFor(String path) {
        for (Key key : keys) {
            if (key.kind == Key.Kind.SWITCH && path.startsWith(key.path + ".")) {
                return key;
            }
        }
        return null;
    }

    private static Parser providerName(Collection<String> providers) {
        List<String> known = List.copyOf(providers);
        return text -> {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            if (known.isEmpty() ? !PROVIDER_NAME.matcher(t).matches() : !known.contains(t)) {
                throw Invalid.text(
                        known.isEmpty()
                                ? "must be a provider name (lowercase letters, digits and '-')"
                                : "must be one of " + String.join(", ", known) + " (the providers in this build)",
                        text);
            }
            return t;
        };
    }

    private static Key durationKey(String path, String defaultText, boolean zeroIsOff) {
        Function<Object, Object> toYaml =
                v -> ((Duration) v).isZero() && zeroIsOff ? "off" : Durations.format((Duration) v);
        return Key.value(path, Durations.parse(defaultText), duration(), toYaml);
    }

    private static Key fractionKey(String path, double defaultValue) {
        return Key.value(path, defaultValue, number(x -> x > 0 && x <= 1, "must be > 0 and ≤ 1"), v -> v);
    }

    private static Object orNull(Object optional) {
        return ((Optional<?>) optional).orElse(null);
    }

    // What every platform accepts; each provider checks its own platform's rules before creating anything.
    private static void checkTagKey(String key) throws Invalid {
        int length = key.codePointCount(0, key.length());
        if (length < 1 || length > 128) {
            throw new Invalid("must be 1 to 128 characters long", Integer.toString(length));
        }
        if (hasControlCharacter(key)) {
            throw new Invalid("must not contain control characters", null);
        }
    }

    private static Object parseTagValue(String text) throws Invalid {
        if (text == null) {
            throw new Invalid("must be a string (use '' for an empty value)", "null");
        }
        int length = text.codePointCount(0, text.length());
        if (length > 256) {
            throw new Invalid("must be at most 256 characters long", Integer.toString(length));
        }
        if (hasControlCharacter(text)) {
            throw new Invalid("must not contain control characters", null);
        }
        return text;
    }

    private static void checkResourceName(String name) throws Invalid {
        if (name.isBlank() || hasControlCharacter(name)) {
            throw new Invalid("must be a non-empty name without control characters", null);
        }
    }

    private static void checkPriceKey(String key, Collection<String> providers) throws Invalid {
        Matcher m = PRICE_KEY.matcher(key);
        if (!m.matches() || !providers.isEmpty() && !providers.contains(m.group(1))) {
            throw new Invalid(
                    "must look like <provider>/<region>/<type>, e.g. aws/us-east-1/m6i.large"
                            + (providers.isEmpty() ? "" : ", with provider one of " + String.join(", ", providers)),
                    null);
        }
    }

    private static boolean hasControlCharacter(String s) {
        return s.codePoints().anyMatch(Character::isISOControl);
    }
}
