package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogLinesTest {

    @TempDir
    Path dir;

    @Test
    void readsWhatIsThereWithoutFollowing() throws Exception {
        Path log = dir.resolve("n.log");
        Files.writeString(log, "one\ntwo\r\nthree without newline");
        try (Stream<String> lines = LogLines.of(log, false, () -> true)) {
            assertThat(lines.collect(Collectors.toList())).containsExactly("one", "two", "three without newline");
        }
        try (Stream<String> lines = LogLines.of(dir.resolve("absent.log"), false, () -> true)) {
            assertThat(lines.count()).isZero();
        }
    }

    @Test
    void followsCompleteLinesUntilTheWriterHasGoneEvenWhenTheFileIsDeleted() throws Exception {
        Path log = dir.resolve("n.log");
        Files.writeString(log, "first\n");
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> follower = CompletableFuture.runAsync(() -> {
            try (Stream<String> lines = LogLines.of(log, true, running::get)) {
                lines.forEach(seen::add);
            }
        });
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> seen.contains("first"));
        append(log, "half a ");
        Thread.sleep(3 * LogLines.POLL_MILLIS); // not an assertion on time: lets the follower see the half line
        assertThat(seen).containsExactly("first");
        append(log, "line\nlast words");
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> seen.contains("half a line"));
        Files.delete(log); // as 'cluster down' removes the cluster's directory
        assertThat(follower).isNotDone();
        running.set(false);
        follower.get(10, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("first", "half a line", "last words");
    }

    private static void append(Path log, String text) throws Exception {
        Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
