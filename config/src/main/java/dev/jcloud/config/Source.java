package dev.jcloud.config;

import java.nio.file.Path;

/**
 * Where a value came from.
 *
 * @param label how {@link Settings#explain()} shows it: {@code default}, a file,
 *              {@code env JCLOUD_X}, {@code flag --x}
 * @param where how an error message starts: the file, the variable or the flag
 */
record Source(String label, String where) {

    static final Source DEFAULT = new Source("default", "default");

    static Source file(Path path, Path home) {
        String shown = display(path, home);
        return new Source(shown, shown);
    }

    static Source env(String variable) {
        return new Source("env " + variable, variable);
    }

    static Source flag(String name) {
        return new Source("flag " + name, name);
    }

    /** {@code ~/…} under the home directory and {@code ./…} for relative paths, so output is short and shareable. */
    static String display(Path path, Path home) {
        if (path.isAbsolute()) {
            Path normal = path.normalize();
            if (home != null && normal.startsWith(home) && !normal.equals(home)) {
                return "~/" + slashes(home.relativize(normal));
            }
            return normal.toString();
        }
        String relative = slashes(path);
        return relative.startsWith("./") || relative.startsWith("../") ? relative : "./" + relative;
    }

    private static String slashes(Path path) {
        return path.toString().replace('\\', '/');
    }
}
