package dev.jcloud.config;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** One setting of the schema: its path, default, how it is read and how it is written back. */
final class Key {

    enum Kind {
        /** A single value. */
        VALUE,
        /** A map whose entries are merged across sources, e.g. {@code cluster.tags}. */
        MAP,
        /** Turns an optional section on or off, e.g. {@code cluster.adapt}. */
        SWITCH
    }

    /** Checks the key of a map entry, e.g. a tag name. */
    @FunctionalInterface
    interface EntryKeyRule {
        void check(String entryKey) throws Invalid;
    }

    final String path;
    final Kind kind;
    /** The typed default; an empty map for {@link Kind#MAP}. */
    final Object defaultValue;
    /** Reads the value, or one entry's value for {@link Kind#MAP}. */
    final Parser parser;
    /** Null unless {@link Kind#MAP}. */
    final EntryKeyRule entryKeys;
    /** Typed value (one entry's value for maps) to a YAML scalar: String, Number, Boolean or null. */
    final Function<Object, Object> toYaml;

    private Key(
            String path,
            Kind kind,
            Object defaultValue,
            Parser parser,
            EntryKeyRule entryKeys,
            Function<Object, Object> toYaml) {
        this.path = path;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.parser = parser;
        this.entryKeys = entryKeys;
        this.toYaml = toYaml;
    }

    static Key value(String path, Object defaultValue, Parser parser, Function<Object, Object> toYaml) {
        return new Key(path, Kind.VALUE, defaultValue, parser, null, toYaml);
    }

    static Key map(String path, EntryKeyRule entryKeys, Parser entryValues, Function<Object, Object> toYaml) {
        return new Key(path, Kind.MAP, Map.of(), entryValues, entryKeys, toYaml);
    }

    static Key toggle(String path) {
        Parser parser = text -> {
            String t = text == null ? "false" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "true", "on" -> Boolean.TRUE;
                case "false", "off", "" -> Boolean.FALSE;
                default -> throw Invalid.text("must be true or false, or a mapping of its settings", text);
            };
        };
        return new Key(path, Kind.SWITCH, Boolean.FALSE, parser, null, v -> v);
    }

    /** {@code JCLOUD_} + the path upper-cased, with {@code .} and {@code -} both as {@code _}. */
    String envName() {
        return "JCLOUD_" + path.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The YAML form of {@code value} as shown to users; whole numbers without {@code .0}. */
    String display(Object value) {
        Object scalar = toYaml.apply(value);
        if (scalar == null) {
            return "null";
        }
        if (scalar instanceof Double d) {
            return Parsers.plain(d);
        }
        return scalar.toString();
    }

    @Override
    public String toString() {
        return path;
    }
}
