package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuietLoggersTest {

    @Test
    void levelsComeFromEveryModulesFileOnTheClassPath() {
        // The engine's own file (main resources) and one standing in for a provider module's (test resources):
        // reading only the first file found would miss one of them.
        assertThat(ProcessLogging.quietLoggers())
                .containsEntry("io.grpc", "WARN")
                .containsEntry("com.example.chatty.Transport", "ERROR");
    }
}
