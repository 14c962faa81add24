package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code filter} parameter of Compute Engine list calls, as the API reference describes it,
 * for {@link FakeComputeEngine}: comparisons {@code field = value}, {@code field != value},
 * {@code field : value} (substring; {@code :*} means "present"), and {@code field eq regex} /
 * {@code field ne regex} (RE2, matching the whole value; Java's regex agrees on the subset jcloud
 * uses). Values may be quoted. Fields are dotted paths ({@code labels.jcloud-cluster-id}).
 * Comparisons combine with {@code AND} (or juxtaposition) and {@code OR}, which binds tighter, as
 * in AIP-160; parentheses group. Anything else is a 400 from the fake, as from the API.
 */
final class FakeFilter {

    private final List<String> tokens;
    private int pos;

    private FakeFilter(String text) {
        this.tokens = tokenize(text);
    }

    /** The predicate for {@code filter}; an empty filter matches everything. */
    static Predicate<JsonNode> parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return r -> true;
        }
        FakeFilter p = new FakeFilter(filter);
        Predicate<JsonNode> result = p.conjunction();
        if (p.pos != p.tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + p.tokens.get(p.pos) + "'");
        }
        return result;
    }

    private Predicate<JsonNode> conjunction() {
        Predicate<JsonNode> left = disjunction();
        while (pos < tokens.size() && !tokens.get(pos).equals(")")) {
            if (tokens.get(pos).equals("AND")) {
                pos++;
            }
            left = left.and(disjunction());
        }
        return left;
    }

    private Predicate<JsonNode> disjunction() {
        Predicate<JsonNode> left = term();
        while (pos < tokens.size() && tokens.get(pos).equals("OR")) {
            pos++;
            left = left.or(term());
        }
        return left;
    }

    private Predicate<JsonNode> term() {
        String t = next();
        if (t.equals("(")) {
            Predicate<JsonNode> inner = conjunction();
            expect(")");
            return inner;
        }
        if (t.equals("NOT") || t.equals("-")) {
            return term().negate();
        }
        String field = t;
        String op = next();
        String value = unquote(next());
        return switch (op) {
            case "=" -> r -> value.equals(field(r, field));
            case "!=" -> r -> !value.equals(field(r, field));
            case ":" ->
                value.equals("*")
                        ? r -> field(r, field) != null
                        : r -> field(r, field) != null && field(r, field).contains(value);
            case "eq" -> {
                Pattern p = Pattern.compile(value);
                yield r -> field(r, field) != null && p.matcher(field(r, field)).matches();
            }
            case "ne" -> {
                Pattern p = Pattern.compile(value);
                yield r ->
                        field(r, field) == null || !p.matcher(field(r, field)).matches();
            }
            default -> throw new IllegalArgumentException("unknown operator '" + op + "'");
        };
    }

    /** The text of a dotted field path of a resource, or null when absent. */
    static String field(JsonNode resource, String path) {
        JsonNode n = resource;
        for (String part : path.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }

    private String next() {
        if (pos >= tokens.size()) {
            throw new IllegalArgumentException("unexpected end of filter");
        }
        return tokens.get(pos++);
    }

    private void expect(String token) {
        if (!next().equals(token)) {
            throw new IllegalArgumentException("expected '" + token + "'");
        }
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')' || c == ':' || c == '=') {
                out.add(String.valueOf(c));
                i++;
            } else if (c == '!' && i + 1 < s.length() && s.charAt(i + 1) == '=') {
                out.add("!=");
                i += 2;
            } else if (c == '"' || c == '\'') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated quote");
                }
                out.add(s.substring(i, end + 1));
                i = end + 1;
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "():=!\"'".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                out.add(s.substring(start, i));
            }
        }
        return out;
    }
}
