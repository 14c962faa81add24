package dev.jcloud.terraform;

import java.util.ArrayList;
import java.util.List;

/**
 * The nesting of an HCL file: blocks (type, labels, body) and attributes (name, the value's text
 * and kind of literal), enough to compare a module with a provider's schema. Handles strings with
 * template interpolations, heredocs and the three comment forms; expressions are kept as text. Not
 * a validating parser: {@code terraform fmt} (run on every module by the ITs) proves the files parse.
 */
public final class HclStructure {

    /** What an attribute's value is, when it is a literal. */
    public enum Kind {
        STRING,
        NUMBER,
        BOOL,
        LIST,
        MAP,
        EXPRESSION
    }

    /** {@code name = value}. */
    public record Attribute(String name, String value, Kind kind) {}

    /** {@code type "label"... { body }}. */
    public record Block(String type, List<String> labels, Body body) {}

    /** A body's attributes and blocks, in order. */
    public record Body(List<Attribute> attributes, List<Block> blocks) {}

    private final String s;
    private int i;

    private HclStructure(String text) {
        this.s = text;
    }

    /** The file's top-level body. */
    public static Body parse(String text) {
        HclStructure p = new HclStructure(text);
        Body b = p.body(false);
        if (p.i < p.s.length()) {
            throw p.error("unexpected '" + p.s.charAt(p.i) + "'");
        }
        return b;
    }

    private Body body(boolean nested) {
        List<Attribute> attributes = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        while (true) {
            skipSpaceAndComments(true);
            if (i >= s.length()) {
                if (nested) {
                    throw error("missing '}'");
                }
                return new Body(attributes, blocks);
            }
            if (s.charAt(i) == '}') {
                if (!nested) {
                    return new Body(attributes, blocks);
                }
                i++;
                return new Body(attributes, blocks);
            }
            String name = identifier();
            skipSpaceAndComments(false);
            if (i < s.length() && s.charAt(i) == '=' && !s.startsWith("==", i)) {
                i++;
                int start = i;
                expression(true);
                String value = s.substring(start, i).strip();
                attributes.add(new Attribute(name, value, kind(value)));
                continue;
            }
            List<String> labels = new ArrayList<>();
            while (i < s.length() && s.charAt(i) == '"') {
                int start = i;
                string();
                labels.add(s.substring(start + 1, i - 1));
                skipSpaceAndComments(false);
            }
            if (i >= s.length() || s.charAt(i) != '{') {
                throw error("expected '=' or '{' after " + name);
            }
            i++;
            blocks.add(new Block(name, labels, body(true)));
        }
    }

    private String identifier() {
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '-')) {
            i++;
        }
        if (start == i) {
            throw error("expected a name");
        }
        return s.substring(start, i);
    }

    /** Skips an expression: to the end of the line at depth 0 ({@code toEol}), or to the closing bracket. */
    private void expression(boolean toEol) {
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                string();
            } else if (s.startsWith("<<", i) && heredocAhead()) {
                heredoc();
            } else if (c == '#' || s.startsWith("//", i) || s.startsWith("/*", i)) {
                skipSpaceAndComments(false);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
                i++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return; // the enclosing body's or template's end
                }
                depth--;
                i++;
            } else if (c == '\n' && depth == 0 && toEol) {
                return;
            } else {
                i++;
            }
        }
    }

    private void string() {
        i++; // opening quote
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '"') {
                i++;
                return;
            } else if ((c == '$' || c == '%') && s.startsWith("{", i + 1) && !s.startsWith("$${", i - 1)) {
                i += 2;
                expression(false);
                i++; // the template's closing brace
            } else {
                i++;
            }
        }
        throw error("unterminated string");
    }

    private boolean heredocAhead() {
        return s.substring(i).matches("(?s)<<-?[A-Za-z_][A-Za-z0-9_]*\\s*\n.*");
    }

    private void heredoc() {
        int eol = s.indexOf('\n', i);
        String marker = s.substring(i, eol).replaceFirst("^<<-?", "").strip();
        int line = eol + 1;
        while (line < s.length()) {
            int next = s.indexOf('\n', line);
            String text = s.substring(line, next < 0 ? s.length() : next).strip();
            if (text.equals(marker)) {
                i = next < 0 ? s.length() : next;
                return;
            }
            line = next < 0 ? s.length() : next + 1;
        }
        throw error("unterminated heredoc " + marker);
    }

    private void skipSpaceAndComments(boolean newlines) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                i++;
            } else if (c == '#' || s.startsWith("//", i)) {
                int eol = s.indexOf('\n', i);
                i = eol < 0 ? s.length() : eol;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
            } else {
                return;
            }
        }
    }

    static Kind kind(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Kind.BOOL;
        }
        if (v.matches("-?\\d+(\\.\\d+)?")) {
            return Kind.NUMBER;
        }
        if (v.startsWith("\"") && v.endsWith("\"") && wholeString(v)) {
            return Kind.STRING;
        }
        if (v.startsWith("[") && v.endsWith("]") && closes(v)) {
            return Kind.LIST;
        }
        if (v.startsWith("{") && v.endsWith("}") && closes(v)) {
            return Kind.MAP;
        }
        return Kind.EXPRESSION;
    }

    /** Whether the quoted text is one string literal (not {@code "a" == "b"}). */
    private static boolean wholeString(String v) {
        HclStructure p = new HclStructure(v);
        p.string();
        return p.i == v.length();
    }

    /** Whether the opening bracket at 0 closes at the end (not {@code [a] + [b]}). */
    private static boolean closes(String v) {
        HclStructure p = new HclStructure(v.substring(1));
        p.expression(false);
        return p.i == v.length() - 2;
    }

    private IllegalArgumentException error(String what) {
        int line = 1;
        for (int k = 0; k < Math.min(i, s.length()); k++) {
            if (s.charAt(k) == '\n') {
                line++;
            }
        }
        return new IllegalArgumentException(what + " at line " + line);
    }
}
