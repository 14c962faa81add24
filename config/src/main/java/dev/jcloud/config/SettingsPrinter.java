package dev.jcloud.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shows resolved settings: as a list with sources, or as YAML. Secrets are masked in both. */
final class SettingsPrinter {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    private SettingsPrinter() {}

    static List<SettingValue> explain(Resolution r) {
        boolean adapt = r.<Boolean>value("cluster.adapt");
        List<SettingValue> out = new ArrayList<>();
        for (Key key : r.schema().keys) {
            if (!adapt && key.path.startsWith("cluster.adapt.")) {
                continue;
            }
            if (key.kind == Key.Kind.MAP) {
                Map<String, Resolution.Resolved> entries = r.entries(key.path);
                if (entries.isEmpty()) {
                    out.add(new SettingValue(key.path, "{}", Source.DEFAULT.label()));
                }
                entries.forEach((name, v) -> {
                    String path = key.path + "." + name;
                    out.add(new SettingValue(
                            path,
                            shown(r, path, key.display(v.value())),
                            v.source().label()));
                });
            } else {
                Resolution.Resolved v = r.get(key.path);
                out.add(new SettingValue(
                        key.path,
                        shown(r, key.path, key.display(v.value())),
                        v.source().label()));
            }
        }
        return List.copyOf(out);
    }

    static String toYaml(Resolution r) {
        boolean adapt = r.<Boolean>value("cluster.adapt");
        ObjectNode root = YAML.createObjectNode();
        for (Key key : r.schema().keys) {
            if (key.kind == Key.Kind.SWITCH || !adapt && key.path.startsWith("cluster.adapt.")) {
                continue;
            }
            int dot = key.path.lastIndexOf('.');
            ObjectNode parent = dot < 0 ? root : section(root, key.path.substring(0, dot));
            String name = key.path.substring(dot + 1);
            if (key.kind == Key.Kind.MAP) {
                ObjectNode map = parent.putObject(name);
                r.entries(key.path)
                        .forEach((entry, v) -> put(
                                map,
                                entry,
                                r.schema().isSecret(key.path + "." + entry)
                                        ? Redactor.MASK
                                        : key.toYaml.apply(v.value())));
            } else {
                Object scalar = key.toYaml.apply(r.get(key.path).value());
                put(parent, name, scalar != null && r.schema().isSecret(key.path) ? Redactor.MASK : scalar);
            }
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // cannot happen: a tree of plain scalars
        }
    }

    private static String shown(Resolution r, String path, String value) {
        return r.schema().isSecret(path) && !value.equals("null") ? Redactor.MASK : value;
    }

    private static ObjectNode section(ObjectNode root, String path) {
        ObjectNode node = root;
        for (String part : path.split("\\.")) {
            ObjectNode child = (ObjectNode) node.get(part);
            node = child != null ? child : node.putObject(part);
        }
        return node;
    }

    private static void put(ObjectNode node, String name, Object scalar) {
        if (scalar == null) {
            node.putNull(name);
        } else if (scalar instanceof Integer i) {
            node.put(name, i);
        } else if (scalar instanceof Double d) {
            node.put(name, d);
        } else if (scalar instanceof Boolean b) {
            node.put(name, b);
        } else {
            node.put(name, scalar.toString());
        }
    }
}
