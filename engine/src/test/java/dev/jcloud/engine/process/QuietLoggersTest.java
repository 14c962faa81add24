package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuietLoggersTest {

    @Test
    void levelsComeFromEveryModulesFileOnTheClassPath() {
        // src/test/resources/META-INF/jcloud/quiet-loggers.properties stands in for a provider module's file.
        assertThat(ProcessLogging.quietLoggers()).containsEntry("com.example.chatty.Transport", "ERROR");
    }
}
