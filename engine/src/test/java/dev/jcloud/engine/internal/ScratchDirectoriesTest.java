package dev.jcloud.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchDirectoriesTest {

    @TempDir
    Path tmp;

    @Test
    void aTreeThatShrinksWhileItIsRemovedIsStillRemoved() throws Exception {
        // A worker stopping while a task frees its spill files: entries vanish under the walk.
        for (int round = 0; round < 40; round++) {
            Path root = tmp.resolve("work-" + round);
            for (int d = 0; d < 30; d++) {
                Path sub = Files.createDirectories(root.resolve("spill").resolve("d" + d));
                Files.write(sub.resolve("v"), new byte[16]);
            }
            CountDownLatch go = new CountDownLatch(1);
            Thread other = new Thread(() -> {
                awaitQuietly(go);
                for (int d = 29; d >= 0; d--) {
                    Path sub = root.resolve("spill").resolve("d" + d);
                    deleteIfExists(sub.resolve("v"));
                    deleteIfExists(sub);
                }
            });
            other.start();
            go.countDown();
            assertThatCode(() -> ScratchDirectories.deleteQuietly(root)).doesNotThrowAnyException();
            other.join(10_000);
            ScratchDirectories.deleteQuietly(root);
            assertThat(root).doesNotExist();
        }
    }

    @Test
    void aMissingDirectoryIsNoError() {
        assertThatCode(() -> ScratchDirectories.deleteQuietly(tmp.resolve("never-made")))
                .doesNotThrowAnyException();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // The other side got it first.
        }
    }
}
