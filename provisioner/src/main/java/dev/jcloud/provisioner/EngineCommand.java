package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine command a node runs: {@code scheduler ...} or {@code worker ADDRESS ...}, the
 * arguments of {@code dev.jcloud.engine.process.EngineMain} (or {@code jcloud scheduler|worker}).
 *
 * <p>This is the one place that renders those arguments. The provisioner fills in what every
 * cluster needs (timeouts, threads, memory, worker name); a provider adds what depends on where
 * the node runs (bind host, local directory) with {@link #with}, and then wraps
 * {@link #arguments()} in its own launcher (a process, a boot script, a container command).
 * Instances are immutable.
 */
public final class EngineCommand {

    private final NodeRole role;
    private final String schedulerAddress; // workers only
    private final Map<String, String> options;

    private EngineCommand(NodeRole role, String schedulerAddress, Map<String, String> options) {
        this.role = role;
        this.schedulerAddress = schedulerAddress;
        this.options = Collections.unmodifiableMap(options);
    }

    /** {@code scheduler} with no options yet. */
    public static EngineCommand scheduler() {
        return new EngineCommand(NodeRole.SCHEDULER, null, new LinkedHashMap<>());
    }

    /** {@code worker ADDRESS} with no options yet. */
    public static EngineCommand worker(String schedulerAddress) {
        return new EngineCommand(
                NodeRole.WORKER, requireNonNull(schedulerAddress, "schedulerAddress is null"), new LinkedHashMap<>());
    }

    /** A copy with {@code --flag value} set (replacing an earlier value of the same flag). */
    public EngineCommand with(String flag, String value) {
        if (!flag.startsWith("--")) {
            throw new IllegalArgumentException("flag must start with --: " + flag);
        }
        Map<String, String> copy = new LinkedHashMap<>(options);
        copy.put(flag, requireNonNull(value, "value is null"));
        return new EngineCommand(role, schedulerAddress, copy);
    }

    /**
     * A copy listening on every interface, as a node that other machines reach must. Without TLS
     * (the user turned it off) that is a plaintext port anyone who reaches it may use, which the
     * engine refuses unless told so with {@code --insecure}: this is the one place that tells it.
     */
    public EngineCommand onAllInterfaces(boolean tls) {
        EngineCommand c = with("--host", "0.0.0.0");
        return tls ? c : c.with("--insecure", "true");
    }

    public NodeRole role() {
        return role;
    }

    /** The value of {@code flag}, or null. */
    public String option(String flag) {
        return options.get(flag);
    }

    /** The arguments, starting with the subcommand. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        args.add(role.label());
        if (schedulerAddress != null) {
            args.add(schedulerAddress);
        }
        options.forEach((flag, value) -> {
            args.add(flag);
            args.add(value);
        });
        return List.copyOf(args);
    }

    @Override
    public String toString() {
        return String.join(" ", arguments());
    }
}
