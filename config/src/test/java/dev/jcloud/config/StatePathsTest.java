package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatePathsTest {

    private final Path home = Path.of("/home/ada").toAbsolutePath();

    @Test
    void usesXdgDefaultsUnderHome() {
        StatePaths paths = StatePaths.of(Map.of(), home);
        assertThat(paths.stateDir()).isEqualTo(home.resolve(".local/state/jcloud"));
        assertThat(paths.configDir()).isEqualTo(home.resolve(".config/jcloud"));
        assertThat(paths.userConfigFile()).isEqualTo(home.resolve(".config/jcloud/jcloud.yaml"));
    }

    @Test
    void followsXdgVariables() {
        Path state = home.resolve("xdg-state");
        Path config = home.resolve("xdg-config");
        StatePaths paths =
                StatePaths.of(Map.of("XDG_STATE_HOME", state.toString(), "XDG_CONFIG_HOME", config.toString()), home);
        assertThat(paths.stateDir()).isEqualTo(state.resolve("jcloud"));
        assertThat(paths.userConfigFile()).isEqualTo(config.resolve("jcloud/jcloud.yaml"));
    }

    @Test
    void jcloudStateDirWinsOverXdg() {
        Path explicit = home.resolve("clusters");
        StatePaths paths = StatePaths.of(
                Map.of(
                        "JCLOUD_STATE_DIR",
                        explicit.toString(),
                        "XDG_STATE_HOME",
                        home.resolve("xdg").toString()),
                home);
        assertThat(paths.stateDir()).isEqualTo(explicit);
    }

    @Test
    void ignoresEmptyAndRelativeXdgValuesAsTheSpecAsks() {
        StatePaths paths = StatePaths.of(
                Map.of("XDG_STATE_HOME", "relative/state", "XDG_CONFIG_HOME", "", "JCLOUD_STATE_DIR", " "), home);
        assertThat(paths.stateDir()).isEqualTo(home.resolve(".local/state/jcloud"));
        assertThat(paths.configDir()).isEqualTo(home.resolve(".config/jcloud"));
    }

    @Test
    void fromEnvironmentGivesAbsolutePathsEndingInJcloud() {
        StatePaths paths = StatePaths.fromEnvironment();
        assertThat(paths.configDir().getFileName()).hasToString("jcloud");
        assertThat(paths.toString()).contains("jcloud");
    }
}
