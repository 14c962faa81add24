package dev.jcloud.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reads {@code JCLOUD_*} environment variables and command-line flags into {@link Assignment}s,
 * sorted by name so that problems come out in the same order on every run, and so that a switch
 * such as {@code cluster.adapt} comes before the keys it holds.
 */
final class TextSources {

    private TextSources() {}

    static void environment(
            Map<String, String> env,
            Set<String> reserved,
            String reservedPrefix,
            Schema schema,
            Consumer<Assignment> out,
            Problems problems) {
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("JCLOUD_") || reserved.contains(name) || name.startsWith(reservedPrefix)) {
                continue;
            }
            Key key = schema.byEnv(name);
            if (key == null) {
                String hint = Suggestions.didYouMean(name, schema.envNames());
                problems.add(name + ": unknown variable"
                        + (hint.isEmpty()
                                ? "; JCLOUD_* variables set settings, e.g. JCLOUD_CLUSTER_WORKERS sets"
                                        + " cluster.workers"
                                : hint));
                continue;
            }
            // Shells often export empty variables by accident; treat them as not set.
            if (e.getValue() == null || e.getValue().isEmpty()) {
                continue;
            }
            add(key, e.getValue(), Source.env(name), out, problems);
        }
    }

    static void flags(
            Map<String, String> values,
            Map<String, String> names,
            Schema schema,
            Consumer<Assignment> out,
            Problems problems) {
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            String path = e.getKey();
            if (e.getValue() == null) {
                continue;
            }
            Source source = Source.flag(names.getOrDefault(path, path));
            Key key = schema.key(path);
            if (key != null) {
                add(key, e.getValue(), source, out, problems);
                continue;
            }
            Key map = mapHolding(schema, path);
            if (map != null) {
                out.accept(new Assignment(map.path, path.substring(map.path.length() + 1), e.getValue(), source));
            } else {
                problems.add(source.where() + ": unknown key '" + path + "'"
                        + Suggestions.didYouMean(path, schema.allPaths()));
            }
        }
    }

    private static void add(Key key, String text, Source source, Consumer<Assignment> out, Problems problems) {
        if (key.kind != Key.Kind.MAP) {
            out.accept(new Assignment(key.path, null, text, source));
            return;
        }
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0 || pair.substring(0, eq).isBlank()) {
                problems.add(
                        source,
                        key.path,
                        Invalid.text("must be a comma-separated list of name=value pairs, e.g. a=1,b=2", text),
                        false);
                return;
            }
            out.accept(new Assignment(
                    key.path,
                    pair.substring(0, eq).trim(),
                    pair.substring(eq + 1).trim(),
                    source));
        }
    }

    /** The map setting a flag like {@code cluster.tags.team} writes an entry of, or null. */
    private static Key mapHolding(Schema schema, String path) {
        for (Key key : schema.keys) {
            if (key.kind == Key.Kind.MAP && path.startsWith(key.path + ".") && path.length() > key.path.length() + 1) {
                return key;
            }
        }
        return null;
    }
}
