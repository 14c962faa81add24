package dev.jcloud.terraform;

import java.util.List;
import java.util.Map;

/**
 * Renders values as HCL literals. Every user-supplied value that reaches a generated {@code .tf}
 * file goes through {@link #string}, the one escaping function: a value with quotes, backslashes,
 * newlines, {@code ${} or {@code %{} comes out of Terraform exactly as it went in and can neither
 * end the string nor start an interpolation or template directive.
 */
public final class Hcl {

    private Hcl() {}

    /**
     * {@code value} as a quoted HCL string literal. Escapes {@code "} and {@code \}, writes
     * newline, carriage return and tab as {@code \n}, {@code \r}, {@code \t} and every other
     * control character as {@code \}{@code uXXXX}; doubles the sigil of {@code ${} and
     * {@code %{} ({@code $${}, {@code %%{}), which HCL reads back as the literal two characters.
     * Non-ASCII text is kept as is: HCL files are UTF-8.
     */
    public static String string(String value) {
        StringBuilder s = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean brace = i + 1 < value.length() && value.charAt(i + 1) == '{';
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case '$' -> s.append(brace ? "$$" : "$");
                case '%' -> s.append(brace ? "%%" : "%");
                default -> {
                    if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !validSurrogate(value, i))) {
                        // A lone surrogate cannot be written as UTF-8; refuse rather than emit '?'.
                        if (Character.isSurrogate(c)) {
                            throw new IllegalArgumentException("value has an unpaired UTF-16 surrogate at index " + i);
                        }
                        s.append(String.format("\\u%04X", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    /** A list of strings on one line, e.g. {@code ["a", "b"]}. */
    public static String list(List<String> values) {
        return "[" + String.join(", ", values.stream().map(Hcl::string).toList()) + "]";
    }

    /** A map of strings on one line with quoted keys, e.g. {@code { "k" = "v" }}, or {@code {}}. */
    public static String map(Map<String, String> values) {
        if (values.isEmpty()) {
            return "{}";
        }
        StringBuilder s = new StringBuilder("{ ");
        boolean first = true;
        for (Map.Entry<String, String> e : values.entrySet()) {
            s.append(first ? "" : ", ").append(string(e.getKey())).append(" = ").append(string(e.getValue()));
            first = false;
        }
        return s.append(" }").toString();
    }

    private static boolean validSurrogate(String v, int i) {
        char c = v.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(v.charAt(i - 1));
    }
}
