package dev.jcloud.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The winning value of every key and where it came from, built by applying sources in order of
 * precedence. Map settings merge entry by entry, so a project file can add a tag to those the
 * user file sets. Not thread-safe while loading; never changed once handed to {@link Settings}.
 */
final class Resolution {

    record Resolved(Object value, Source source) {}

    private final Map<String, Resolved> values = new LinkedHashMap<>();
    private final Map<String, Map<String, Resolved>> maps = new LinkedHashMap<>();

    private final Schema schema;

    Resolution(Schema schema) {
        this.schema = schema;
        for (Key key : schema.keys) {
            if (key.kind == Key.Kind.MAP) {
                maps.put(key.path, new LinkedHashMap<>());
            } else {
                values.put(key.path, new Resolved(key.defaultValue, Source.DEFAULT));
            }
        }
    }

    /**
     * Parses {@code a} and, if valid, lets it win over what came before. Every value is checked,
     * even one a later source overrides, so a broken file is reported while it is still broken.
     */
    void apply(Assignment a, Problems problems) {
        Key key = schema.key(a.path());
        if (key.kind == Key.Kind.MAP) {
            try {
                key.entryKeys.check(a.entry());
            } catch (Invalid e) {
                problems.add(a.source(), key.path + " key " + Invalid.quote(a.entry()), e, false);
                return;
            }
            String entryPath = key.path + "." + a.entry();
            try {
                Object value = key.parser.parse(a.text());
                maps.get(key.path).put(a.entry(), new Resolved(value, a.source()));
            } catch (Invalid e) {
                problems.add(a.source(), entryPath, e, schema.isSecret(entryPath));
            }
            return;
        }
        try {
            values.put(key.path, new Resolved(key.parser.parse(a.text()), a.source()));
        } catch (Invalid e) {
            problems.add(a.source(), key.path, e, schema.isSecret(key.path));
        }
    }

    Schema schema() {
        return schema;
    }

    /** Every value and map without sources: what {@link Settings#equals} compares. */
    Map<String, Object> valuesOnly() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, r) -> out.put(k, r.value()));
        maps.forEach((k, m) -> out.put(k, mapValue(k)));
        return out;
    }

    Resolved get(String path) {
        Resolved r = values.get(path);
        if (r == null) {
            throw new IllegalArgumentException("not a single-valued key: " + path);
        }
        return r;
    }

    /** The entries of a map setting, in the order first written. */
    Map<String, Resolved> entries(String path) {
        return Collections.unmodifiableMap(maps.get(path));
    }

    @SuppressWarnings("unchecked")
    <T> T value(String path) {
        return (T) get(path).value();
    }

    /** The entries of a map setting without their sources. */
    @SuppressWarnings("unchecked")
    <V> Map<String, V> mapValue(String path) {
        Map<String, V> out = new LinkedHashMap<>();
        maps.get(path).forEach((k, r) -> out.put(k, (V) r.value()));
        return out;
    }
}
