package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerJvmOptionsTest {

    @TempDir
    Path dir;

    @Test
    void workersRunG1AndTheSchedulerTheParallelCollector() {
        ClusterContext cluster = new ClusterContext("c", "id1", dir, Map.of());
        assertThat(LocalProvider.commandLine(cluster, "w", EngineCommand.worker("127.0.0.1:1"), List.of()))
                .contains("-XX:+UseG1GC")
                .doesNotContain("-XX:+UseParallelGC");
        assertThat(LocalProvider.commandLine(cluster, "s", EngineCommand.scheduler(), List.of()))
                .contains("-XX:+UseParallelGC")
                .doesNotContain("-XX:+UseG1GC");
    }

    @Test
    void aCollectorTheUserChoseIsTheOnlyOne() {
        ClusterContext cluster =
                new ClusterContext("c", "id1", dir, Map.of(LocalOptions.JVM_OPTIONS, "-Xss2m -XX:+UseParallelGC"));
        List<String> cmd = LocalProvider.commandLine(cluster, "w", EngineCommand.worker("127.0.0.1:1"), List.of());
        assertThat(cmd).contains("-XX:+UseParallelGC").doesNotContain("-XX:+UseG1GC");
    }
}
