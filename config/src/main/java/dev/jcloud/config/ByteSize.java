package dev.jcloud.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes written the way users write memory sizes: {@code 4GiB}, {@code 512MB},
 * {@code 1.5g}, {@code 1024}. Binary (KiB, MiB, GiB, TiB) and decimal (kB, MB, GB, TB) units
 * are both accepted; a bare letter (k, m, g, t) is binary, as in JVM flags.
 */
public record ByteSize(long bytes) implements Comparable<ByteSize> {

    private static final Pattern FORMAT = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)\\s*");

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    public static ByteSize ofMiB(long mib) {
        return new ByteSize(mib << 20);
    }

    public static ByteSize ofGiB(long gib) {
        return new ByteSize(gib << 30);
    }

    /** Parses {@code text}; the message of the exception says what is accepted. */
    public static ByteSize parse(String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size: use a number with an"
                    + " optional unit, e.g. 512MiB, 4GiB, 2GB or 1073741824");
        }
        double number = Double.parseDouble(m.group(1));
        long unit = unit(m.group(2), text);
        double value = number * unit;
        if (value > Long.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return new ByteSize(Math.round(value));
    }

    private static long unit(String suffix, String text) {
        switch (suffix.toLowerCase(Locale.ROOT)) {
            case "":
            case "b":
                return 1L;
            case "k":
            case "kib":
                return 1L << 10;
            case "m":
            case "mib":
                return 1L << 20;
            case "g":
            case "gib":
                return 1L << 30;
            case "t":
            case "tib":
                return 1L << 40;
            case "kb":
                return 1_000L;
            case "mb":
                return 1_000_000L;
            case "gb":
                return 1_000_000_000L;
            case "tb":
                return 1_000_000_000_000L;
            default:
                throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + suffix
                        + "': use B, KiB, MiB, GiB, TiB, kB, MB, GB or TB");
        }
    }

    @Override
    public int compareTo(ByteSize other) {
        return Long.compare(bytes, other.bytes);
    }

    /** The shortest exact binary form, e.g. {@code 4GiB}, {@code 1536MiB}, {@code 100B}. */
    @Override
    public String toString() {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        long value = bytes;
        int i = 0;
        while (i < units.length - 1 && value != 0 && value % 1024 == 0) {
            value /= 1024;
            i++;
        }
        return value + units[i];
    }
}
