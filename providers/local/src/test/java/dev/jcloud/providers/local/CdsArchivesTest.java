package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.NodeRole;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsArchivesTest {

    @TempDir
    Path dir;

    @Test
    void oneProcessRecordsAndLaterOnesUseTheArchive() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        CdsArchives archives = CdsArchives.forClasspath(dir.resolve("cds"), LocalOptions.currentJava(), jar.toString())
                .orElseThrow();

        CdsArchives.Plan recorder = archives.plan(NodeRole.WORKER);
        assertThat(recorder.jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
        recorder.started(ProcessHandle.current().pid()); // a live recorder
        assertThat(archives.plan(NodeRole.WORKER)).isEqualTo(CdsArchives.Plan.NONE);
        assertThat(archives.plan(NodeRole.SCHEDULER).jvmOptions()).hasSize(1); // roles are separate

        // The recorder died while writing: a broken archive is dropped, and someone records again.
        Process gone = new ProcessBuilder(LocalOptions.currentJava(), "-version").start();
        gone.waitFor();
        recorder.started(gone.pid());
        Path part = Path.of(recorder.jvmOptions().get(0).substring("-XX:ArchiveClassesAtExit=".length()));
        Files.write(part, new byte[] {42});
        CdsArchives.Plan again = archives.plan(NodeRole.WORKER);
        assertThat(again.jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
        assertThat(part).doesNotExist();

        Files.write(part.resolveSibling("worker.jsa"), new byte[] {1});
        assertThat(archives.plan(NodeRole.WORKER).jvmOptions())
                .singleElement()
                .asString()
                .startsWith("-XX:SharedArchiveFile=")
                .endsWith("worker.jsa");
    }

    @Test
    void classPathsWithDirectoriesGetNoArchive() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1});
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertThat(CdsArchives.forClasspath(dir.resolve("cds"), "java", jar + File.pathSeparator + classes))
                .isEmpty();
    }
}
