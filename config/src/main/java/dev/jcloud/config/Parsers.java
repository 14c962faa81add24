package dev.jcloud.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;
import java.util.regex.Pattern;

/**
 * The value types of the schema. Everything arrives as text, whether from YAML, the environment
 * or a flag, so one parser per type serves all sources and their messages agree.
 */
final class Parsers {

    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private static final ByteSize MIN_MEMORY_LIMIT = ByteSize.ofMiB(64);

    private Parsers() {}

    /** A whole number in {@code min..max}; {@code range} describes the bounds for the message. */
    static Parser wholeNumber(long min, long max, String range) {
        return text -> {
            String t = text == null ? null : text.trim();
            if (t == null || !WHOLE.matcher(t).matches()) {
                throw Invalid.text("must be a whole number", text);
            }
            BigInteger value = new BigInteger(t.startsWith("+") ? t.substring(1) : t);
            if (value.compareTo(BigInteger.valueOf(min)) < 0) {
                throw new Invalid(range, value.toString());
            }
            if (value.compareTo(BigInteger.valueOf(max)) > 0) {
                // "must be ≥ 0" would be a puzzling answer to 99999999999.
                throw new Invalid(max == Integer.MAX_VALUE ? "must be ≤ " + max : range, value.toString());
            }
            return value.intValueExact();
        };
    }

    static Parser wholeNumberAtLeast(int min) {
        return wholeNumber(min, Integer.MAX_VALUE, "must be ≥ " + min);
    }

    /** A finite decimal number accepted by {@code ok}; {@code requirement} describes it. */
    static Parser number(DoublePredicate ok, String requirement) {
        return text -> {
            String t = text == null ? null : text.trim();
            if (t == null || !DECIMAL.matcher(t).matches()) {
                throw Invalid.text("must be a number", text);
            }
            double value = Double.parseDouble(t);
            if (Double.isInfinite(value)) {
                throw Invalid.text("must be a finite number", text);
            }
            if (!ok.test(value)) {
                throw new Invalid(requirement, plain(value));
            }
            return value;
        };
    }

    static Parser bool() {
        return text -> {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw Invalid.text("must be true or false", text);
            };
        };
    }

    /** One of {@code choices}' keys, ignoring case; the message lists them in order. */
    static Parser oneOf(Map<String, ?> choices) {
        String list = String.join(", ", choices.keySet());
        return text -> {
            Object value = text == null ? null : choices.get(text.trim().toLowerCase(Locale.ROOT));
            if (value == null) {
                throw Invalid.text("must be one of " + list, text);
            }
            return value;
        };
    }

    static <E extends Enum<E>> Parser oneOf(Class<E> type) {
        Map<String, E> choices = new LinkedHashMap<>();
        for (E e : type.getEnumConstants()) {
            choices.put(e.name().toLowerCase(Locale.ROOT), e);
        }
        return oneOf(choices);
    }

    /** One of the given whole numbers, e.g. Fargate CPU sizes. */
    static Parser oneOfNumbers(int... allowed) {
        StringBuilder list = new StringBuilder();
        for (int a : allowed) {
            list.append(list.length() == 0 ? "" : ", ").append(a);
        }
        Parser whole = wholeNumber(Integer.MIN_VALUE, Integer.MAX_VALUE, "");
        return text -> {
            int value = (Integer) whole.parse(text);
            for (int a : allowed) {
                if (a == value) {
                    return value;
                }
            }
            throw new Invalid("must be one of " + list, Integer.toString(value));
        };
    }

    /** A duration as {@link Durations#parse} reads it; {@code off} and {@code 0} give zero. */
    static Parser duration() {
        return text -> {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw Invalid.text("must be a duration like 30s, 15m or 1h30m, or off", text);
            }
        };
    }

    /** A duration from zero to {@code max}. */
    static Parser durationUpTo(Duration max) {
        Parser any = duration();
        return text -> {
            Duration d = (Duration) any.parse(text);
            if (d.compareTo(max) > 0) {
                throw new Invalid("must be at most " + Durations.format(max), Durations.format(d));
            }
            return d;
        };
    }

    static Parser positiveDuration() {
        Parser any = duration();
        return text -> {
            Duration d = (Duration) any.parse(text);
            if (d.isZero()) {
                throw Invalid.text("must be a duration > 0, like 5s", text);
            }
            return d;
        };
    }

    static Parser nonEmptyString() {
        return text -> {
            if (text == null || text.isBlank()) {
                throw Invalid.text("must be a non-empty string", text);
            }
            return text.trim();
        };
    }

    /** A string matching {@code pattern} in full; {@code requirement} describes it. */
    static Parser matching(Pattern pattern, String requirement) {
        return text -> {
            String t = text == null ? null : text.trim();
            if (t == null || !pattern.matcher(t).matches()) {
                throw Invalid.text(requirement, text);
            }
            return t;
        };
    }

    static Parser cidr() {
        return text -> {
            String t = text == null ? null : text.trim();
            if (t == null || !Cidr.isValid(t)) {
                throw Invalid.text(
                        "must be an IPv4 or IPv6 CIDR block like 203.0.113.7/32" + " or 2001:db8::/64", text);
            }
            return t;
        };
    }

    /** One or more blocks a cloud firewall accepts ({@link FirewallCidr}), separated by commas. */
    static Parser firewallCidrs() {
        return text -> {
            if (text == null || text.isBlank()) {
                throw Invalid.text("must be one or more IPv4 CIDR blocks separated by commas", text);
            }
            List<String> out = new ArrayList<>();
            for (String part : text.split(",")) {
                String block = part.strip();
                Optional<String> problem = FirewallCidr.problem(block);
                if (problem.isPresent()) {
                    throw Invalid.text("must be " + problem.get(), block);
                }
                out.add(block);
            }
            return String.join(",", out);
        };
    }

    /** One or more CIDR blocks separated by commas, kept as written without spaces. */
    static Parser cidrs() {
        Parser one = cidr();
        return text -> {
            if (text == null || text.isBlank()) {
                throw Invalid.text("must be one or more CIDR blocks separated by commas", text);
            }
            List<String> out = new ArrayList<>();
            for (String part : text.split(",")) {
                out.add((String) one.parse(part));
            }
            return String.join(",", out);
        };
    }

    /** {@code inner}, or empty for null or blank text: that is how a user unsets an optional value. */
    static Parser optional(Parser inner) {
        return text -> text == null || text.isBlank() ? Optional.empty() : Optional.of(inner.parse(text));
    }

    /** {@code auto} (or null) gives empty; otherwise a size of at least 64MiB. */
    static Parser memoryLimit() {
        return text -> {
            if (text == null || text.trim().equalsIgnoreCase("auto")) {
                return Optional.empty();
            }
            ByteSize size;
            try {
                size = ByteSize.parse(text);
            } catch (IllegalArgumentException e) {
                throw Invalid.text("must be auto or a size like 4GiB", text);
            }
            if (size.compareTo(MIN_MEMORY_LIMIT) < 0) {
                throw new Invalid("must be auto or at least " + MIN_MEMORY_LIMIT, size.toString());
            }
            return Optional.of(size);
        };
    }

    /** {@code 1} rather than {@code 1.0}, {@code 0.6} rather than {@code 0.59999…}. */
    static String plain(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
