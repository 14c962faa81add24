package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where jcloud keeps files for the current user, following the XDG base directory spec.
 *
 * <ul>
 *   <li>state (cluster records, TLS material): {@code $JCLOUD_STATE_DIR}, else
 *       {@code $XDG_STATE_HOME/jcloud}, else {@code ~/.local/state/jcloud}</li>
 *   <li>configuration: {@code $XDG_CONFIG_HOME/jcloud}, else {@code ~/.config/jcloud}</li>
 * </ul>
 *
 * Empty variables count as unset, and relative {@code XDG_*} paths are ignored as the spec asks.
 */
public final class StatePaths {

    private final Path stateDir;
    private final Path configDir;

    private StatePaths(Path stateDir, Path configDir) {
        this.stateDir = stateDir;
        this.configDir = configDir;
    }

    /** Paths for this process: its environment and the {@code user.home} system property. */
    public static StatePaths fromEnvironment() {
        return of(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** Paths for the given environment and home directory; tests pass their own. */
    public static StatePaths of(Map<String, String> env, Path home) {
        requireNonNull(env, "env is null");
        requireNonNull(home, "home is null");
        String explicitState = env.get("JCLOUD_STATE_DIR");
        Path state = explicitState != null && !explicitState.isBlank()
                ? Path.of(explicitState)
                : xdg(env, "XDG_STATE_HOME", home.resolve(".local/state")).resolve("jcloud");
        Path config = xdg(env, "XDG_CONFIG_HOME", home.resolve(".config")).resolve("jcloud");
        return new StatePaths(state, config);
    }

    /** The directory for cluster state; it may not exist yet. */
    public Path stateDir() {
        return stateDir;
    }

    /** The directory for the user's configuration; it may not exist yet. */
    public Path configDir() {
        return configDir;
    }

    /** The user's settings file, {@code <configDir>/jcloud.yaml}; it may not exist. */
    public Path userConfigFile() {
        return configDir.resolve("jcloud.yaml");
    }

    private static Path xdg(Map<String, String> env, String name, Path fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        Path path = Path.of(value);
        return path.isAbsolute() ? path : fallback;
    }

    @Override
    public String toString() {
        return "StatePaths[state=" + stateDir + ", config=" + configDir + "]";
    }
}
