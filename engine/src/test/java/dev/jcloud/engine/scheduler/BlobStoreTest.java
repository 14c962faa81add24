package dev.jcloud.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

    @TempDir
    Path dir;

    private static final byte[] JAR = "pretend this is a jar".getBytes(StandardCharsets.UTF_8);

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void aWaitThatTimedOutDoesNotFailLaterWaitsForTheSameEntry() throws Exception {
        BlobStore blobs = new BlobStore(dir);
        String sha = sha256(JAR);
        CompletableFuture<Path> impatient = blobs.await(sha, Duration.ofMillis(50));
        assertThatThrownBy(() -> impatient.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);

        CompletableFuture<Path> patient = blobs.await(sha, Duration.ofSeconds(30));
        BlobStore.Upload upload = blobs.begin(sha);
        upload.write(JAR);
        upload.commit();

        assertThat(patient.get(10, TimeUnit.SECONDS)).hasBinaryContent(JAR);
        assertThat(blobs.await(sha, Duration.ofMillis(50)).get(10, TimeUnit.SECONDS))
                .hasBinaryContent(JAR);
    }

    @Test
    void aFailedUploadLeavesTheEntryObtainableByTheNextOne() throws Exception {
        BlobStore blobs = new BlobStore(dir);
        String sha = sha256(JAR);
        CompletableFuture<Path> waiting = blobs.await(sha, Duration.ofSeconds(30));

        BlobStore.Upload broken = blobs.begin(sha);
        broken.write("truncated".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(broken::commit).hasMessageContaining("does not match its hash");
        BlobStore.Upload aborted = blobs.begin(sha);
        aborted.write(JAR);
        aborted.abort();
        assertThat(waiting).isNotDone();

        BlobStore.Upload good = blobs.begin(sha);
        good.write(JAR);
        good.commit();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).hasBinaryContent(JAR);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(sha);
        }
    }
}
