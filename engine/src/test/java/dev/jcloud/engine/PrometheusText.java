package dev.jcloud.engine;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, as Prometheus reads it: HELP
 * and TYPE at most once per family and before its samples, a family's samples contiguous, no
 * duplicate series, valid names, label values with the format's escapes, Go float values. Any
 * violation throws, naming the line.
 */
public final class PrometheusText {

    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One metric family: its type, help and series (labels → value). */
    public record Family(String name, String type, String help, Map<Map<String, String>, Double> series) {
        /** The value of the series with exactly these labels (name, value, name, value...). */
        public Double value(String... labels) {
            Map<String, String> key = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                key.put(labels[i], labels[i + 1]);
            }
            return series.get(key);
        }
    }

    private PrometheusText() {}

    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + ": " + line;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    check(METRIC.matcher(name).matches(), where, "bad metric name");
                    if (parts[1].equals("TYPE")) {
                        check(parts.length == 4 && TYPES.contains(parts[3]), where, "bad type");
                        check(!types.containsKey(name), where, "second TYPE for " + name);
                        check(!families.containsKey(name), where, "TYPE after samples of " + name);
                        types.put(name, parts[3]);
                    } else {
                        check(!helps.containsKey(name), where, "second HELP for " + name);
                        helps.put(name, parts.length == 4 ? parts[3] : "");
                    }
                }
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            check(METRIC.matcher(name).matches(), where, "bad metric name");
            Map<String, String> labels = new TreeMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (true) {
                    if (line.charAt(i) == '}') {
                        i++;
                        break;
                    }
                    int eq = line.indexOf('=', i);
                    check(eq > i, where, "label without =");
                    String label = line.substring(i, eq);
                    check(LABEL.matcher(label).matches() && !label.startsWith("__"), where, "bad label name " + label);
                    check(line.charAt(eq + 1) == '"', where, "label value not quoted");
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2;
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char e = line.charAt(++j);
                            check(e == '\\' || e == '"' || e == 'n', where, "bad escape \\" + e);
                            value.append(e == 'n' ? '\n' : e);
                        } else {
                            value.append(c);
                        }
                        j++;
                    }
                    check(labels.put(label, value.toString()) == null, where, "label " + label + " twice");
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    } else {
                        check(line.charAt(i) == '}', where, "expected , or }");
                    }
                }
            }
            check(i < line.length() && line.charAt(i) == ' ', where, "no space before the value");
            String[] rest = line.substring(i + 1).trim().split(" +");
            check(rest.length == 1 || rest.length == 2, where, "value and optional timestamp expected");
            double value = parseValue(rest[0], where);
            String family = familyOf(name, types);
            if (!family.equals(current)) {
                check(!closed.contains(family), where, "samples of " + family + " are not contiguous");
                if (current != null) {
                    closed.add(current);
                }
                current = family;
            }
            Family f = families.computeIfAbsent(
                    family, k -> new Family(k, types.getOrDefault(k, "untyped"), helps.get(k), new LinkedHashMap<>()));
            check(f.series().put(labels, value) == null, where, "duplicate series");
        }
        return families;
    }

    /** Histogram and summary series carry suffixes; everything else is its own family. */
    private static String familyOf(String name, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String t = types.get(base);
                if ("histogram".equals(t) || "summary".equals(t)) {
                    return base;
                }
            }
        }
        return name;
    }

    private static double parseValue(String s, String where) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                check(s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), where, "bad value " + s);
                return Double.parseDouble(s);
        }
    }

    private static void check(boolean ok, String where, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what + " (" + where + ")");
        }
    }
}
