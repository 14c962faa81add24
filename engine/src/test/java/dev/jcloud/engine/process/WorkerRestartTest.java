package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerRestartTest {

    @Test
    void theReplacementKeepsTheJvmOptionsAndArgumentsWithOneRestartFewer() {
        List<String> cmd = WorkerRestart.command(
                "/jdk/bin/java",
                List.of("-Djcloud.cluster-id=abc", "-Xmx1g", "-XX:SharedArchiveFile=/s/worker.jsa"),
                "/a.jar:/b.jar",
                List.of("127.0.0.1:8786", "--name", "w1", "--memory-restarts", "3", "--nthreads", "2"),
                2);

        assertThat(cmd)
                .containsExactly(
                        "/jdk/bin/java",
                        "-Djcloud.cluster-id=abc",
                        "-Xmx1g",
                        "-XX:SharedArchiveFile=/s/worker.jsa",
                        "-cp",
                        "/a.jar:/b.jar",
                        EngineMain.class.getName(),
                        "worker",
                        "127.0.0.1:8786",
                        "--name",
                        "w1",
                        "--nthreads",
                        "2",
                        "--memory-restarts",
                        "2");
    }

    @Test
    void aRecordingOfClassDataAndTheCommandsOwnNameAreNotRepeated() {
        List<String> cmd = WorkerRestart.command(
                "java",
                List.of("-XX:ArchiveClassesAtExit=/s/worker.jsa.part"),
                "/a.jar",
                List.of("worker", "127.0.0.1:8786", "--memory-restarts=1"),
                0);

        assertThat(cmd)
                .containsExactly(
                        "java",
                        "-cp",
                        "/a.jar",
                        EngineMain.class.getName(),
                        "worker",
                        "127.0.0.1:8786",
                        "--memory-restarts",
                        "0");
    }
}
