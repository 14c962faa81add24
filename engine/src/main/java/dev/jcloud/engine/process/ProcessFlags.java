package dev.jcloud.engine.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags of an engine role, parsed without a command-line library: {@code --name VALUE},
 * {@code --name=VALUE}, switches ({@code --insecure}, {@code --insecure=false}), positional words,
 * {@code -h}/{@code --help}. Engine processes start on every machine of a cluster, often several at
 * once on a machine's few cores, and a general parser's model of annotations is a measurable part
 * of their start-up; the {@code jcloud} command shows the same flags with its own help.
 */
public final class ProcessFlags {

    /**
     * One flag of a role: its name, the label of its value ({@code null} for a switch), its default
     * ({@code null}: none) and what it does, as a whole sentence.
     */
    public record Flag(String name, String label, String defaultValue, String description) {

        /** Whether the flag takes no value ({@code --insecure}); {@code --flag=false} turns it off. */
        public boolean isSwitch() {
            return label == null;
        }

        /** Whether every value counts ({@code NAME=VALUE} pairs), not only the last one. */
        public boolean isRepeatable() {
            return label != null && label.contains("=");
        }
    }

    /**
     * A role's command line: its name, one-sentence summary, the label and description of its one
     * positional parameter ({@code null} when it takes none) and its flags.
     */
    public record Role(String name, String summary, String positional, String positionalDescription, List<Flag> flags) {

        Flag flag(String flagName) {
            for (Flag f : flags) {
                if (f.name().equals(flagName)) {
                    return f;
                }
            }
            return null;
        }
    }

    private final Role role;
    private final List<String> original;
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> words = new ArrayList<>();
    private boolean help;

    private ProcessFlags(Role role, List<String> args) {
        this.role = role;
        this.original = List.copyOf(args);
    }

    /** Parses {@code args} (after the role's name); a flag the role does not take is a user error naming it. */
    public static ProcessFlags parse(Role role, List<String> args) {
        ProcessFlags p = new ProcessFlags(role, args);
        boolean onlyWords = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (onlyWords || !a.startsWith("-") || a.equals("-")) {
                p.words.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyWords = true;
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                p.help = true;
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            String value = eq > 0 ? a.substring(eq + 1) : null;
            Flag flag = role.flag(name);
            if (flag == null) {
                throw new IllegalArgumentException(
                        "unknown option '" + name + "' for " + role.name() + " (see " + role.name() + " --help)");
            }
            if (flag.isSwitch()) {
                if (value == null && i + 1 < args.size() && isBoolean(args.get(i + 1))) {
                    value = args.get(++i);
                }
                if (value == null) {
                    value = "true";
                } else if (!isBoolean(value)) {
                    throw new IllegalArgumentException(name + " takes true or false (was '" + value + "')");
                }
            } else if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(name + " needs a value: " + flag.label());
                }
                value = args.get(++i);
            }
            p.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        if (!p.help) {
            int expected = role.positional() == null ? 0 : 1;
            if (p.words.size() < expected) {
                throw new IllegalArgumentException(
                        "missing " + role.positional() + ": " + role.positionalDescription());
            }
            if (p.words.size() > expected) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + p.words.get(expected) + "' for " + role.name());
            }
        }
        return p;
    }

    private static boolean isBoolean(String s) {
        return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
    }

    /** Whether {@code -h} or {@code --help} was given. */
    public boolean help() {
        return help;
    }

    /** The arguments as given, for a process that starts another like itself. */
    public List<String> original() {
        return original;
    }

    /** The positional parameter. */
    public String word() {
        return words.isEmpty() ? null : words.get(0);
    }

    /** The flag's last value, else its default (null when it has none). */
    public String string(String name) {
        List<String> given = values.get(name);
        if (given != null) {
            return given.get(given.size() - 1);
        }
        Flag flag = role.flag(name);
        if (flag == null) {
            throw new IllegalStateException(role.name() + " has no flag " + name);
        }
        return flag.defaultValue();
    }

    /** Every value given to the flag, in order. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public Path path(String name) {
        String v = string(name);
        return v == null ? null : Path.of(v);
    }

    public int integer(String name) {
        String v = string(name);
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number (was '" + v + "')");
        }
    }

    public double decimal(String name) {
        String v = string(name);
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number (was '" + v + "')");
        }
    }

    public boolean on(String name) {
        String v = string(name);
        return v != null && Boolean.parseBoolean(v);
    }

    /** {@code NAME=VALUE} pairs from every value of the flag, each split at commas. */
    public Map<String, String> pairs(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String value : all(name)) {
            for (String pair : value.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(name + " takes "
                            + role.flag(name).label() + " pairs separated by commas (was '" + pair + "')");
                }
                out.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return out;
    }

    /** The role's usage: its summary, then each flag with its value label, default and description. */
    public static String usage(String command, Role role) {
        StringBuilder s = new StringBuilder("Usage: ")
                .append(command)
                .append(" [OPTIONS]")
                .append(role.positional() == null ? "" : " " + role.positional())
                .append('\n')
                .append(role.summary())
                .append('\n');
        if (role.positional() != null) {
            s.append("  ")
                    .append(role.positional())
                    .append("\n      ")
                    .append(role.positionalDescription())
                    .append('\n');
        }
        for (Flag f : role.flags()) {
            s.append("  ").append(f.name());
            if (!f.isSwitch()) {
                s.append(' ').append(f.label());
            }
            s.append("\n      ").append(f.description());
            if (f.defaultValue() != null && !f.isSwitch()) {
                s.append(" Default: ").append(f.defaultValue()).append('.');
            }
            s.append('\n');
        }
        s.append("  -h, --help\n      Show this help.\n");
        return s.toString();
    }
}
