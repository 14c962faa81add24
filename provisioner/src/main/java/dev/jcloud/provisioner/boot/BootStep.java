package dev.jcloud.provisioner.boot;

import static dev.jcloud.provisioner.boot.ShellQuote.quote;
import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One provider-specific step of a machine's boot, handed to {@link BootScript.Builder} by the
 * provider module (how a machine reads its cloud's metadata, fetches its secrets, watches for an
 * interruption notice). The renderer puts each step into the script as a bash function; the core
 * knows no cloud, only where each step runs.
 *
 * <p>A step is trusted code written by a provider, never a user value: user values reach the
 * script only through {@link ShellQuote}-quoted variables. A step is one of two kinds:
 *
 * <ul>
 *   <li>{@link #shell}: a bash function body. It may use {@code local}, {@code jcloud_log} (logs to
 *       the boot log), {@code $JCLOUD_HOME} and the engine's {@code $ENGINE_URL} and
 *       {@code $ENGINE_SHA256}; steps that fetch secrets get the directory to write into as
 *       {@code $1}.
 *   <li>{@link #engineMain}: a main class from the engine's class path, run as
 *       {@code java -cp "$JCLOUD_CLASSPATH" mainClass args... "$1"}, for clouds whose secret store a
 *       machine reads through an API rather than a command-line tool. Such a step can only run after
 *       the engine is downloaded.
 * </ul>
 *
 * <p>Steps run with {@code set -euo pipefail}; a step that fetches something fails the boot by
 * returning non-zero. Steps must print names only, never a secret's value.
 */
public final class BootStep {

    private final String body;
    private final boolean needsEngine;

    private BootStep(String body, boolean needsEngine) {
        this.body = body;
        this.needsEngine = needsEngine;
    }

    /** A step written as the body of a bash function. */
    public static BootStep shell(String body) {
        requireNonNull(body, "body is null");
        if (body.isBlank()) {
            throw new IllegalArgumentException("a shell boot step needs a body (use ':' for nothing)");
        }
        return new BootStep(body.strip(), false);
    }

    /**
     * A step that runs {@code mainClass} from the engine's class path with {@code args} and, last,
     * the step's argument {@code $1} (for secret fetchers: the directory to write into).
     */
    public static BootStep engineMain(String mainClass, List<String> args) {
        requireNonNull(mainClass, "mainClass is null");
        StringBuilder s = new StringBuilder("java -cp \"$JCLOUD_CLASSPATH\" ").append(quote(mainClass));
        for (String a : List.copyOf(args)) {
            s.append(' ').append(quote(a));
        }
        return new BootStep(s.append(" \"$1\"").toString(), true);
    }

    /** Whether the step runs code of the engine, so it can only run once the engine is downloaded. */
    public boolean needsEngine() {
        return needsEngine;
    }

    /** The step as a bash function named {@code name}. */
    String function(String name) {
        return name + "() {\n" + body.indent(2) + "}\n";
    }

    @Override
    public String toString() {
        return body;
    }
}
