package dev.jcloud.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of what jcloud prints and logs.
 *
 * <p>A setting is secret when the last segment of its key path contains {@code secret},
 * {@code token}, {@code password} or {@code credential} (any case), e.g. a tag
 * {@code cluster.tags.api-token}.
 */
public final class Redactor {

    /** What a secret is shown as. */
    public static final String MASK = "******";

    private static final Pattern SECRET_WORD = Pattern.compile("secret|token|password|credential");

    private Redactor() {}

    /** Whether the value of {@code keyPath} must not be shown. */
    public static boolean isSecretKey(String keyPath) {
        String last = keyPath.substring(keyPath.lastIndexOf('.') + 1);
        return SECRET_WORD.matcher(last.toLowerCase(Locale.ROOT)).find();
    }

    /**
     * {@code text} with every occurrence of each non-empty secret replaced by {@link #MASK}.
     * Longer secrets are replaced first so that a secret containing another is hidden whole.
     */
    public static String redact(String text, Collection<String> secrets) {
        if (text == null || secrets == null) {
            return text;
        }
        String out = text;
        for (String secret : secrets.stream()
                .filter(Objects::nonNull)
                .filter(s -> !s.isEmpty())
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList()) {
            out = out.replace(secret, MASK);
        }
        return out;
    }
}
