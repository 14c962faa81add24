package dev.jcloud.providers.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the host pool from {@code ssh.hosts}: a YAML or JSON file ({@code hosts:} followed by a list
 * of hosts, or just the list) or a comma-separated list {@code user@host[:port][/slots]}. Every
 * problem names the file, the host entry and the field, and what is accepted.
 */
final class HostsFile {

    /** The fields a host entry may have. */
    static final List<String> FIELDS = List.of(
            "name",
            "host",
            "port",
            "user",
            "identity",
            "jump",
            "slots",
            "java",
            "prologue",
            "scheduler",
            "address",
            "dir",
            "authorized-keys");

    static final int DEFAULT_SLOTS = 4;
    private static final Pattern LIST_ITEM =
            Pattern.compile("(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9._-]+|\\[[0-9a-fA-F:.]+\\])(?::(\\d+))?(?:/(\\d+))?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** What every host starts from. */
    record Defaults(String user, Optional<String> identity, String dir) {}

    private HostsFile() {}

    /** The hosts {@code value} describes; a bad one fails naming the setting, file, entry and field. */
    static List<HostSpec> parse(String value, Defaults defaults) {
        String v = value.strip();
        if (v.isEmpty()) {
            throw invalid("is empty");
        }
        Path file = Path.of(expandHome(v));
        if (Files.isRegularFile(file)) {
            return fromFile(file, defaults);
        }
        boolean isList = java.util.Arrays.stream(v.split(","))
                .allMatch(i -> LIST_ITEM.matcher(i.strip()).matches());
        if (!isList && (v.endsWith(".yaml") || v.endsWith(".yml") || v.endsWith(".json") || v.contains("/"))) {
            throw invalid("names the file " + file + ", which does not exist (give a hosts file or a list"
                    + " 'user@host[:port][/slots],...')");
        }
        return fromList(v, defaults);
    }

    private static List<HostSpec> fromList(String list, Defaults defaults) {
        List<HostSpec> hosts = new ArrayList<>();
        for (String item : list.split(",")) {
            String s = item.strip();
            Matcher m = LIST_ITEM.matcher(s);
            if (!m.matches()) {
                throw invalid("has '" + s + "', which is not 'user@host[:port][/slots]' (or a hosts file that exists)");
            }
            String host = m.group(2);
            int port = m.group(3) == null ? 22 : number(m.group(3), "port of '" + s + "'", 1, 65535);
            int slots = m.group(4) == null ? DEFAULT_SLOTS : number(m.group(4), "slots of '" + s + "'", 0, 10_000);
            String name = port == 22 ? host : host + "-" + port;
            hosts.add(new HostSpec(
                    name,
                    host,
                    port,
                    m.group(1) == null ? defaults.user() : m.group(1),
                    defaults.identity(),
                    Optional.empty(),
                    slots,
                    Optional.empty(),
                    Optional.empty(),
                    false,
                    host,
                    defaults.dir(),
                    ".ssh/authorized_keys"));
        }
        return finish(hosts, "ssh.hosts");
    }

    private static List<HostSpec> fromFile(Path file, Defaults defaults) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "ssh.hosts: cannot read " + file + ": "
                            + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
        JsonNode list = root != null && root.isObject() ? root.get("hosts") : root;
        if (root != null && root.isObject()) {
            Iterator<String> keys = root.fieldNames();
            while (keys.hasNext()) {
                String k = keys.next();
                if (!k.equals("hosts")) {
                    throw new IllegalArgumentException(
                            file + ": unknown key '" + k + "' (accepted: hosts, a list of hosts)");
                }
            }
        }
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(file + ": needs a non-empty list of hosts ('hosts:' followed by"
                    + " entries with at least 'host:')");
        }
        List<HostSpec> hosts = new ArrayList<>();
        int i = 0;
        for (JsonNode entry : list) {
            i++;
            String entryWhere = file + ": host " + i;
            if (!entry.isObject()) {
                throw new IllegalArgumentException(entryWhere + " is not a map of fields (accepted: " + FIELDS + ")");
            }
            Iterator<String> names = entry.fieldNames();
            while (names.hasNext()) {
                String f = names.next();
                if (!FIELDS.contains(f)) {
                    throw new IllegalArgumentException(
                            entryWhere + ": unknown field '" + f + "' (accepted: " + String.join(", ", FIELDS) + ")");
                }
            }
            String host = text(entry, "host", entryWhere)
                    .orElseThrow(
                            () -> new IllegalArgumentException(entryWhere + ": needs 'host' (an address or DNS name)"));
            String where = file + ": host " + i + " (" + host + ")";
            int port = whole(entry, "port", where, 22, 1, 65535);
            String name = text(entry, "name", where).orElse(port == 22 ? host : host + "-" + port);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        where + ": name '" + name + "' must be letters, digits, '.', '_' or '-' (at most 63)");
            }
            JsonNode scheduler = entry.get("scheduler");
            if (scheduler != null && !scheduler.isBoolean()) {
                throw new IllegalArgumentException(where + ": scheduler must be true or false (was " + scheduler + ")");
            }
            hosts.add(new HostSpec(
                    name,
                    host,
                    port,
                    text(entry, "user", where).orElse(defaults.user()),
                    text(entry, "identity", where).map(HostsFile::expandHome).or(defaults::identity),
                    text(entry, "jump", where),
                    whole(entry, "slots", where, DEFAULT_SLOTS, 0, 10_000),
                    text(entry, "java", where),
                    text(entry, "prologue", where),
                    scheduler != null && scheduler.asBoolean(),
                    text(entry, "address", where).orElse(host),
                    text(entry, "dir", where).orElse(defaults.dir()),
                    text(entry, "authorized-keys", where).orElse(".ssh/authorized_keys")));
        }
        return finish(hosts, file.toString());
    }

    /** Unique names, known jump hosts, one scheduler (the first host unless one says scheduler: true). */
    private static List<HostSpec> finish(List<HostSpec> hosts, String where) {
        Set<String> names = new HashSet<>();
        Map<String, HostSpec> byName = new LinkedHashMap<>();
        for (HostSpec h : hosts) {
            if (!names.add(h.name())) {
                throw new IllegalArgumentException(
                        where + ": two hosts are named '" + h.name() + "' (give one a different 'name:')");
            }
            byName.put(h.name(), h);
        }
        for (HostSpec h : hosts) {
            if (h.jump().isPresent()) {
                String j = h.jump().get();
                if (!byName.containsKey(j)) {
                    throw new IllegalArgumentException(where + ": host " + h.name() + ": jump '" + j
                            + "' is not the name of a host in the file (add the jump host, with slots: 0 if it"
                            + " runs no workers; accepted: " + String.join(", ", byName.keySet()) + ")");
                }
                if (j.equals(h.name())) {
                    throw new IllegalArgumentException(where + ": host " + h.name() + " jumps through itself");
                }
            }
        }
        long schedulers = hosts.stream().filter(HostSpec::scheduler).count();
        if (schedulers > 1) {
            throw new IllegalArgumentException(
                    where + ": " + schedulers + " hosts say 'scheduler: true'; the scheduler runs on one host");
        }
        if (schedulers == 0) {
            List<HostSpec> out = new ArrayList<>(hosts);
            out.set(0, hosts.get(0).withScheduler(true));
            return List.copyOf(out);
        }
        return List.copyOf(hosts);
    }

    private static Optional<String> text(JsonNode entry, String field, String where) {
        JsonNode n = entry.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isValueNode() || n.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a non-empty text (was " + n + ")");
        }
        return Optional.of(n.asText());
    }

    private static int whole(JsonNode entry, String field, String where, int fallback, int min, int max) {
        JsonNode n = entry.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
            throw new IllegalArgumentException(
                    where + ": " + field + " must be a whole number from " + min + " to " + max + " (was " + n + ")");
        }
        return n.asInt();
    }

    private static int number(String text, String what, int min, int max) {
        try {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("has " + what + " = " + text + "; accepted: " + min + " to " + max);
    }

    private static IllegalArgumentException invalid(String what) {
        return new IllegalArgumentException("ssh.hosts (--hosts) " + what);
    }

    /** {@code ~/x} as a path in this user's home. */
    static String expandHome(String path) {
        return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }
}
