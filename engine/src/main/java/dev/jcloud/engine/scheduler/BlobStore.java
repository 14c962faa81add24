package dev.jcloud.engine.scheduler;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Class path entries by SHA-256, on the scheduler's disk. Content is verified on arrival, so a
 * worker never loads bytes that do not match the hash the client announced.
 */
final class BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    private final Map<String, CompletableFuture<Path>> arrivals = new ConcurrentHashMap<>();

    BlobStore(Path dir) {
        this.dir = dir;
    }

    static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /**
     * Completes when the blob is stored (at once if it already is), or exceptionally with a
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}. Each caller gets its own
     * future: one caller giving up must not fail the arrival for every later one.
     */
    CompletableFuture<Path> await(String sha256, Duration timeout) {
        Path p = dir.resolve(sha256);
        if (Files.exists(p)) {
            return CompletableFuture.completedFuture(p);
        }
        CompletableFuture<Path> arrival = arrivals.computeIfAbsent(sha256, k -> new CompletableFuture<>());
        if (Files.exists(p)) {
            arrival.complete(p); // committed between the check and the registration
        }
        return arrival.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean has(String sha256) {
        return Files.exists(dir.resolve(sha256));
    }

    /** A sink for one upload; {@link Upload#commit()} checks the hash and publishes the blob. */
    Upload begin(String sha256) {
        if (!isSha256(sha256)) {
            throw new IllegalArgumentException("not a SHA-256: " + sha256);
        }
        return new Upload(sha256);
    }

    final class Upload {
        private final String expected;
        private final Path temp;
        private final OutputStream out;
        private final MessageDigest digest;
        private long size;

        private Upload(String expected) {
            this.expected = expected;
            try {
                this.temp = Files.createTempFile(dir, "upload-", ".part");
                this.out = Files.newOutputStream(temp);
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void write(byte[] bytes) throws IOException {
            digest.update(bytes);
            out.write(bytes);
            size += bytes.length;
        }

        long commit() throws IOException {
            out.close();
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(expected)) {
                Files.deleteIfExists(temp);
                throw new IOException("upload does not match its hash: expected " + expected + ", got " + actual);
            }
            Path target = dir.resolve(expected);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            CompletableFuture<Path> arrival = arrivals.remove(expected);
            if (arrival != null) {
                arrival.complete(target);
            }
            return size;
        }

        void abort() {
            try {
                out.close();
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Best effort: a stray partial file in a temp directory.
            }
        }
    }
}
