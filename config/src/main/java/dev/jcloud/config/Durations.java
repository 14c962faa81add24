package dev.jcloud.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as users write them on command lines and in YAML: {@code 30s}, {@code 15m},
 * {@code 1h30m}, {@code 500ms}, {@code 2d}, or ISO-8601 ({@code PT15M}). {@code 0}, {@code off}
 * and {@code never} mean "no limit" and parse to {@link Duration#ZERO}.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)");

    private Durations() {}

    /** Parses {@code text}; the message of the exception says what is accepted. */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a duration is required, e.g. 30s, 15m or 1h");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("0") || t.equals("off") || t.equals("never")) {
            return Duration.ZERO;
        }
        if (t.startsWith("p")) {
            try {
                return nonNegative(Duration.parse(text.trim()), text);
            } catch (RuntimeException e) {
                throw invalid(text);
            }
        }
        Matcher m = PART.matcher(t);
        int at = 0;
        double millis = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            millis += n
                    * switch (m.group(2)) {
                        case "ms" -> 1d;
                        case "s" -> 1_000d;
                        case "m" -> 60_000d;
                        case "h" -> 3_600_000d;
                        default -> 86_400_000d;
                    };
            at = m.end();
        }
        if (at == 0 || at != t.length()) {
            throw invalid(text);
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /**
     * The compact form {@link #parse} accepts, e.g. {@code 1h30m}, {@code 45s}, {@code 250ms};
     * ISO-8601 for what that form cannot express exactly (negative or sub-millisecond).
     */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        StringBuilder out = new StringBuilder();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                out.append(ms / sizes[i]).append(units[i]);
                ms %= sizes[i];
            }
        }
        return out.toString();
    }

    private static Duration nonNegative(Duration d, String text) {
        if (d.isNegative()) {
            throw invalid(text);
        }
        return d;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration: use e.g. 500ms, 30s,"
                + " 15m, 1h30m, 2d, an ISO-8601 value like PT15M, or 0/off for none");
    }
}
