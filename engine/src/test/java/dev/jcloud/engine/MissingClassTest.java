package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.api.TaskFuture;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/** A task input whose class exists only in a private class loader of the client. */
class MissingClassTest {

    @Test
    void aTaskThatCannotBeReadNamesTheMissingClass() throws Exception {
        Path src = Files.createTempDirectory("jcloud-missing-");
        Files.writeString(
                src.resolve("Secret.java"),
                "package hidden; public class Secret implements java.io.Serializable { public int x = 7; }");
        assertThat(ToolProvider.getSystemJavaCompiler()
                        .run(
                                null,
                                null,
                                null,
                                "-d",
                                src.toString(),
                                src.resolve("Secret.java").toString()))
                .isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {src.toUri().toURL()}, null);
                InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            Object secret = loader.loadClass("hidden.Secret").getConstructor().newInstance();
            TaskFuture<String> f = client.submit(o -> o.toString(), secret);
            assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("hidden.Secret")
                    .hasMessageContaining("not on this worker's class path");
        }
    }
}
