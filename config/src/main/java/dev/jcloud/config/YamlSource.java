package dev.jcloud.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a settings file into {@link Assignment}s, handed on together with the file's problems in
 * document order. Nothing but the syntax error is handed on from a file that is not valid YAML:
 * the parser reads a value up to where it gives up, which would produce misleading errors.
 *
 * <p>Uses Jackson's streaming YAML parser rather than a tree: a tree turns {@code off} into
 * {@code false}, fails outright on {@code .inf}, and reads an alias as its anchor's name. Raw
 * scalar text lets every value go through the same parsers as environment variables and flags.
 */
final class YamlSource {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final YAMLParser parser;
    private final Source source;
    private final Schema schema;
    /** Assignments and problem lines, in document order, until the whole file has parsed. */
    private final List<Object> pending = new ArrayList<>();

    private YamlSource(YAMLParser parser, Source source, Schema schema) {
        this.parser = parser;
        this.source = source;
        this.schema = schema;
    }

    /** Hands the assignments in {@code file} to {@code out}; none if it does not exist. */
    static void read(Path file, Source source, Schema schema, Consumer<Assignment> out, Problems problems) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (CharacterCodingException e) {
            problems.add(source.where() + ": cannot read: the file is not UTF-8 text");
            return;
        } catch (IOException e) {
            problems.add(source.where() + ": cannot read: " + e.getMessage());
            return;
        }
        parse(yaml, source, schema, out, problems);
    }

    /** Hands the assignments in {@code yaml} to {@code out}, or reports why it cannot be read. */
    static void parse(String yaml, Source source, Schema schema, Consumer<Assignment> out, Problems problems) {
        try (YAMLParser parser = FACTORY.createParser(yaml)) {
            YamlSource reader = new YamlSource(parser, source, schema);
            reader.document();
            for (Object item : reader.pending) {
                if (item instanceof Assignment a) {
                    out.accept(a);
                } else {
                    problems.add((String) item);
                }
            }
        } catch (JsonProcessingException e) {
            problems.add(syntaxError(source, e));
        } catch (IOException e) {
            problems.add(source.where() + ": cannot read: " + e.getMessage());
        }
    }

    private void document() throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null || first == JsonToken.VALUE_NULL) {
            return;
        }
        if (first != JsonToken.START_OBJECT) {
            problem("the top level must be a mapping of sections like 'cluster:' (was " + describe(first) + ")");
            return;
        }
        mapping("");
        if (parser.nextToken() != null) {
            problem("only one YAML document is supported (another starts at line " + line() + ")");
        }
    }

    private void problem(String what) {
        pending.add(source.where() + ": " + what);
    }

    private void emit(String path, String entry, String text) {
        pending.add(new Assignment(path, entry, text, source));
    }

    private void mapping(String prefix) throws IOException {
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            int line = line();
            JsonToken value = parser.nextToken();
            if (!seen.add(name)) {
                problem("line " + line + ": duplicate key '" + path + "'");
                parser.skipChildren();
            } else if (name.contains(".")) {
                // Accepting "cluster.workers:" would let one key be set twice in one file.
                problem("unknown key '" + path + "'" + hint(path, name));
                parser.skipChildren();
            } else if (isAlias()) {
                problem("line " + line + ": " + path + " uses a YAML alias,"
                        + " which jcloud does not support; write the value out");
            } else {
                assign(path, name, value);
            }
        }
    }

    private void assign(String path, String name, JsonToken value) throws IOException {
        Key key = schema.key(path);
        boolean section = schema.sections.contains(path);
        if (key != null && key.kind == Key.Kind.SWITCH) {
            if (value == JsonToken.START_OBJECT) {
                emit(path, null, "true");
                mapping(path);
            } else if (value == JsonToken.START_ARRAY) {
                problem(path + " must be true or false, or a mapping" + " of its settings (was a list)");
                parser.skipChildren();
            } else {
                scalar(path, value);
            }
        } else if (section) {
            if (value == JsonToken.START_OBJECT) {
                mapping(path);
            } else if (value != JsonToken.VALUE_NULL) {
                problem(path + " must be a mapping of settings (was " + describe(value) + ")");
                parser.skipChildren();
            }
        } else if (key != null && key.kind == Key.Kind.MAP) {
            entries(path, value);
        } else if (key != null) {
            scalar(path, value);
        } else {
            problem("unknown key '" + path + "'" + hint(path, name));
            parser.skipChildren();
        }
    }

    private void scalar(String path, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            problem(path + " must be a single value (was " + describe(value) + ")");
            parser.skipChildren();
            return;
        }
        emit(path, null, text(value));
    }

    private void entries(String path, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            problem(path + " must be a mapping of names to values (was " + describe(value) + ")");
            parser.skipChildren();
            return;
        }
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String entry = parser.currentName();
            int line = line();
            JsonToken v = parser.nextToken();
            String entryPath = path + "." + entry;
            if (!seen.add(entry)) {
                problem("line " + line + ": duplicate key '" + entryPath + "'");
                parser.skipChildren();
            } else if (isAlias()) {
                problem("line " + line + ": " + entryPath + " uses a YAML"
                        + " alias, which jcloud does not support; write the value out");
            } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                problem(entryPath + " must be a single value (was " + describe(v) + ")");
                parser.skipChildren();
            } else {
                emit(path, entry, text(v));
            }
        }
    }

    private String hint(String path, String name) {
        if (name.contains(".") && schema.allPaths().contains(path)) {
            int dot = name.indexOf('.');
            return " (YAML keys nest: write '" + name.substring(0, dot) + ":' and, indented below" + " it, '"
                    + name.substring(dot + 1) + ":')";
        }
        return Suggestions.didYouMean(path, schema.allPaths());
    }

    private String text(JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NULL ? null : parser.getText();
    }

    private boolean isAlias() {
        return parser.isCurrentAlias();
    }

    private String describe(JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> "a mapping";
            case START_ARRAY -> "a list";
            default -> Invalid.quote(text(token));
        };
    }

    private int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    private static String syntaxError(Source source, JsonProcessingException e) {
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        int column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
        String problem = firstLine(e.getOriginalMessage());
        // SnakeYAML knows the exact spot; Jackson's location is sometimes the start of the context.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblemMark() != null) {
                line = marked.getProblemMark().getLine() + 1;
                column = marked.getProblemMark().getColumn() + 1;
                problem = (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem();
                break;
            }
        }
        String at = line > 0 ? "line " + line + (column > 0 ? ", column " + column : "") + ": " : "";
        return source.where() + ": " + at + "not valid YAML: " + firstLine(problem);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
