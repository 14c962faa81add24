package dev.jcloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateStoreTest {

    @TempDir
    Path dir;

    @Test
    void savesLoadsListsAndDeletesOneFilePerCluster() throws IOException {
        ClusterStateStore store = new ClusterStateStore(dir);
        ClusterRecord a = record("alpha");
        ClusterRecord b = record("beta");
        store.save(b);
        store.save(a);

        assertThat(store.load("alpha")).contains(a);
        assertThat(store.list()).containsExactly(a, b);
        try (Stream<Path> files = Files.list(dir.resolve("clusters"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("alpha.json", "beta.json");
        }

        store.delete("alpha");
        store.delete("alpha");
        assertThat(store.load("alpha")).isEmpty();
        assertThat(store.list()).containsExactly(b);
    }

    @Test
    void anUnreadableFileIsSkippedNotFatal() throws IOException {
        ClusterStateStore store = new ClusterStateStore(dir);
        store.save(record("good"));
        Files.writeString(dir.resolve("clusters/broken.json"), "{not json");

        assertThat(store.list()).extracting(ClusterRecord::name).containsExactly("good");
        assertThat(store.load("broken")).isEmpty();
    }

    @Test
    void unknownFieldsFromANewerVersionAreIgnored() throws IOException {
        ClusterStateStore store = new ClusterStateStore(dir);
        store.save(record("gamma"));
        Path f = dir.resolve("clusters/gamma.json");
        Files.writeString(f, Files.readString(f).replaceFirst("\\{", "{\"future\":1,"));

        assertThat(store.load("gamma")).isPresent();
    }

    @Test
    void theStateDirectoryCanBeOverriddenWithASystemProperty() {
        String before = System.getProperty(ClusterStateStore.STATE_DIR_PROPERTY);
        System.setProperty(ClusterStateStore.STATE_DIR_PROPERTY, dir.toString());
        try {
            assertThat(ClusterStateStore.forUser().stateDir()).isEqualTo(dir.toAbsolutePath());
        } finally {
            if (before == null) {
                System.clearProperty(ClusterStateStore.STATE_DIR_PROPERTY);
            } else {
                System.setProperty(ClusterStateStore.STATE_DIR_PROPERTY, before);
            }
        }
    }

    private static ClusterRecord record(String name) {
        return new ClusterRecord(
                name,
                "id-" + name,
                "local",
                "127.0.0.1:8786",
                "127.0.0.1:8787",
                1L,
                1,
                "1GiB",
                "60s",
                "20m",
                3,
                List.of(
                        new Node("12", name + "-scheduler", NodeRole.SCHEDULER),
                        new Node("13", name + "-worker-1", NodeRole.WORKER)),
                Map.of("detached", "true"),
                0);
    }
}
