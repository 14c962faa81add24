package dev.jcloud.config;

import static dev.jcloud.config.Parsers.bool;
import static dev.jcloud.config.Parsers.duration;
import static dev.jcloud.config.Parsers.matching;
import static dev.jcloud.config.Parsers.nonEmptyString;
import static dev.jcloud.config.Parsers.number;
import static dev.jcloud.config.Parsers.oneOf;
import static dev.jcloud.config.Parsers.oneOfNumbers;
import static dev.jcloud.config.Parsers.optional;
import static dev.jcloud.config.Parsers.wholeNumber;
import static dev.jcloud.config.Parsers.wholeNumberAtLeast;

import dev.jcloud.config.Settings.Provider;
import dev.jcloud.config.Settings.TlsMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Every key jcloud understands, in the order {@code config show} lists them, with defaults and
 * rules. Adding a setting means adding a line here and a component to its record in
 * {@link Settings}.
 */
final class Schema {

    /** Valid as a tag value, a DNS label and a resource name prefix on every cloud. */
    static final Pattern CLUSTER_NAME = Pattern.compile("[a-z][a-z0-9-]{0,38}[a-z0-9]");

    static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-[0-9]");
    static final Pattern PRICE_KEY = Pattern.compile("(local|aws|fargate|gcp|azure)/[^/\\s]+/[^/\\s]+");
    static final int[] FARGATE_CPUS = {256, 512, 1024, 2048, 4096, 8192, 16384};

    static final List<Key> KEYS;
    /** Paths that hold other keys; {@code cluster.adapt} is both a section and a switch. */
    static final Set<String> SECTIONS =
            Set.of("cluster", "cluster.adapt", "scheduler", "worker", "security", "aws", "fargate", "gcp", "azure");

    private static final Map<String, Key> BY_PATH;
    private static final Map<String, Key> BY_ENV;

    static {
        List<Key> k = new ArrayList<>();
        k.add(Key.value(
                "cluster.name",
                Optional.empty(),
                optional(matching(
                        CLUSTER_NAME,
                        "must be 2 to 40 lowercase letters, digits or '-',"
                                + " starting with a letter and not ending with '-'")),
                Schema::orNull));
        k.add(Key.value("cluster.provider", Provider.LOCAL, oneOf(Provider.class), v -> ((Provider) v).id()));
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

        k.add(Key.value(
                "aws.region",
                Optional.empty(),
                optional(matching(AWS_REGION, "must be an AWS region like us-east-1")),
                Schema::orNull));
        k.add(stringKey("aws.worker-type", "m6i.large"));
        k.add(stringKey("aws.scheduler-type", "m6i.large"));
        k.add(boolKey("aws.spot"));
        k.add(optionalStringKey("aws.subnet"));
        k.add(optionalStringKey("aws.vpc"));
        k.add(Key.value("aws.allow-from", Optional.empty(), optional(Parsers.cidr()), Schema::orNull));
        k.add(optionalStringKey("aws.ami"));
        k.add(optionalStringKey("aws.engine-url"));
        k.add(optionalStringKey("aws.engine-sha256"));
        k.add(optionalStringKey("aws.max-workers"));
        k.add(optionalStringKey("aws.root-volume-gib"));

        k.add(Key.value("fargate.worker-cpu", 1024, oneOfNumbers(FARGATE_CPUS), v -> v));
        k.add(Key.value("fargate.worker-memory", 4096, wholeNumberAtLeast(512), v -> v));
        k.add(Key.value("fargate.scheduler-cpu", 1024, oneOfNumbers(FARGATE_CPUS), v -> v));
        k.add(Key.value("fargate.scheduler-memory", 4096, wholeNumberAtLeast(512), v -> v));
        k.add(optionalStringKey("fargate.image"));
        k.add(boolKey("fargate.spot"));

        k.add(optionalStringKey("gcp.project"));
        k.add(stringKey("gcp.zone", "us-central1-a"));
        k.add(stringKey("gcp.machine-type", "e2-standard-4"));
        k.add(boolKey("gcp.spot"));
        k.add(optionalStringKey("gcp.network"));
        k.add(optionalStringKey("gcp.subnetwork"));
        k.add(Key.value("gcp.allow-from", Optional.empty(), optional(Parsers.cidr()), Schema::orNull));
        // Checked by the provider (before anything is created), which knows what each accepts.
        for (String key : List.of(
                "zones",
                "scheduler-machine-type",
                "image",
                "boot-disk-gb",
                "engine-url",
                "engine-sha256",
                "max-workers",
                "service-account")) {
            k.add(optionalStringKey("gcp." + key));
        }

        k.add(optionalStringKey("azure.subscription"));
        k.add(stringKey("azure.location", "eastus"));
        k.add(stringKey("azure.vm-size", "Standard_D4s_v5"));
        k.add(boolKey("azure.spot"));
        k.add(Key.value("azure.allow-from", Optional.empty(), optional(Parsers.cidr()), Schema::orNull));
        for (String key : List.of(
                "scheduler-vm-size",
                "vnet",
                "subnet",
                "public-ip",
                "image",
                "os-disk-gib",
                "engine-url",
                "engine-sha256",
                "max-workers")) {
            k.add(optionalStringKey("azure." + key));
        }
        k.add(durationKey("azure.billing-minimum", "60s", false));

        k.add(Key.map(
                "prices", Schema::checkPriceKey, number(x -> x >= 0, "must be a price in USD per hour ≥ 0"), v -> v));

        KEYS = List.copyOf(k);
        Map<String, Key> byPath = new LinkedHashMap<>();
        Map<String, Key> byEnv = new LinkedHashMap<>();
        for (Key key : KEYS) {
            byPath.put(key.path, key);
            if (byEnv.put(key.envName(), key) != null) {
                throw new IllegalStateException("two keys map to " + key.envName());
            }
        }
        BY_PATH = Collections.unmodifiableMap(byPath);
        BY_ENV = Collections.unmodifiableMap(byEnv);
    }

    private Schema() {}

    /** The key at exactly {@code path}, or null. */
    static Key key(String path) {
        return BY_PATH.get(path);
    }

    /** The key whose {@code JCLOUD_*} variable is {@code name}, or null. */
    static Key byEnv(String name) {
        return BY_ENV.get(name);
    }

    static Set<String> envNames() {
        return BY_ENV.keySet();
    }

    /** Every path a user may write: keys and sections, for "did you mean" suggestions. */
    static Set<String> allPaths() {
        Set<String> all = new LinkedHashSet<>(SECTIONS);
        all.addAll(BY_PATH.keySet());
        return all;
    }

    /** The switch that turns on the section holding {@code path}, or null. */
    static Key switchFor(String path) {
        for (Key key : KEYS) {
            if (key.kind == Key.Kind.SWITCH && path.startsWith(key.path + ".")) {
                return key;
            }
        }
        return null;
    }

    private static Key durationKey(String path, String defaultText, boolean zeroIsOff) {
        Function<Object, Object> toYaml =
                v -> ((Duration) v).isZero() && zeroIsOff ? "off" : Durations.format((Duration) v);
        return Key.value(path, Durations.parse(defaultText), duration(), toYaml);
    }

    private static Key fractionKey(String path, double defaultValue) {
        return Key.value(path, defaultValue, number(x -> x > 0 && x <= 1, "must be > 0 and ≤ 1"), v -> v);
    }

    private static Key stringKey(String path, String defaultValue) {
        return Key.value(path, defaultValue, nonEmptyString(), v -> v);
    }

    private static Key optionalStringKey(String path) {
        return Key.value(path, Optional.empty(), optional(nonEmptyString()), Schema::orNull);
    }

    private static Key boolKey(String path) {
        return Key.value(path, Boolean.FALSE, bool(), v -> v);
    }

    private static Object orNull(Object optional) {
        return ((Optional<?>) optional).orElse(null);
    }

    // Tag rules are the intersection that AWS, GCP and Azure accept for user-visible tags.
    private static void checkTagKey(String key) throws Invalid {
        int length = key.codePointCount(0, key.length());
        if (length < 1 || length > 128) {
            throw new Invalid("must be 1 to 128 characters long", Integer.toString(length));
        }
        if (hasControlCharacter(key)) {
            throw new Invalid("must not contain control characters", null);
        }
        if (key.regionMatches(true, 0, "aws:", 0, 4)) {
            throw new Invalid("must not start with 'aws:' (reserved by AWS)", null);
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

    private static void checkPriceKey(String key) throws Invalid {
        if (!PRICE_KEY.matcher(key).matches()) {
            throw new Invalid(
                    "must look like <provider>/<region>/<type>, e.g."
                            + " aws/us-east-1/m6i.large, with provider one of local, aws, fargate, gcp,"
                            + " azure",
                    null);
        }
    }

    private static boolean hasControlCharacter(String s) {
        return s.codePoints().anyMatch(Character::isISOControl);
    }
}
