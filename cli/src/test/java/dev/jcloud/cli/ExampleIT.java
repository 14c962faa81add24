package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud example}: the main job runs end to end and leaves nothing behind. */
class ExampleIT {

    @TempDir
    Path stateDir;

    @Test
    void estimatesPiOnALocalClusterAndStopsIt() throws Exception {
        CliRunner.Result r =
                new CliRunner(stateDir).run("example", "--workers", "2", "--tasks", "40", "--samples", "20000");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("scheduler:  127.0.0.1:")
                .contains("dashboard:")
                .containsPattern("pi is about 3\\.1")
                .contains("40/40 tasks")
                .contains("nothing is left running");
        try (Stream<Path> clusters = Files.list(stateDir.resolve("clusters"))) {
            assertThat(clusters).isEmpty();
        }
    }
}
