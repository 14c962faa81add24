package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spilling: least recently used results move to disk, come back when read, and every spill is reported. */
class DataStoreTest {

    @Test
    void everySpillIsReportedWithTheBytesItMoved(@TempDir Path dir) {
        List<Long> spills = new ArrayList<>();
        DataStore store = new DataStore(dir, 250, (bytes, start, duration) -> {
            assertThat(start).isPositive();
            assertThat(duration).isNotNegative();
            spills.add(bytes);
        });
        store.put(1, new byte[100]);
        store.put(2, new byte[100]);
        assertThat(spills).isEmpty();
        store.put(3, new byte[100]); // 300 > 250: the least recently used (1) goes
        assertThat(spills).containsExactly(100L);
        assertThat(store.get(1).size()).isEqualTo(100); // read back from disk, not re-admitted
        assertThat(store.spillDownTo(0)).isEqualTo(200);
        assertThat(spills).containsExactly(100L, 200L);
        assertThat(store.spillDownTo(0)).isZero();
        assertThat(spills).hasSize(2);
        assertThat(store.spilledBytes()).isEqualTo(300);
        assertThat(store.memoryBytes()).isZero();
    }

    /** Results on disk are the worker's alone: other users of the machine cannot read them. */
    @Test
    void spillFilesAreReadableByTheirOwnerOnly(@TempDir Path dir) throws Exception {
        DataStore store = new DataStore(dir, 0, (bytes, start, duration) -> {});
        store.put(0x2a, new byte[5000]);
        Path file = dir.resolve("2a.bin");
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    /** A byte[] result comes back from disk as the same bytes, its array read straight from the file. */
    @Test
    void aSpilledByteArrayComesBackWhole(@TempDir Path dir) throws Exception {
        DataStore store = new DataStore(dir, 0, (bytes, start, duration) -> {});
        byte[] value = new byte[100_000];
        new java.util.Random(7).nextBytes(value);
        store.put(1, dev.jcloud.engine.internal.codec.ValueCodec.encodeValue(value));
        assertThat(store.spilledBytes()).isPositive();
        Object back = dev.jcloud.engine.internal.codec.ValueCodec.decode(
                store.get(1), getClass().getClassLoader());
        assertThat((byte[]) back).isEqualTo(value);
    }

    @Test
    void aSpilledByteBufferComesBackWithItsBytesAndOrderAndItsArrayReadInPlace(@TempDir Path dir) throws Exception {
        DataStore store = new DataStore(dir, 0, (bytes, start, duration) -> {});
        byte[] bytes = new byte[100_000];
        new java.util.Random(7).nextBytes(bytes);
        java.nio.ByteBuffer value = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        store.put(1, dev.jcloud.engine.internal.codec.ValueCodec.encodeValue(value));
        assertThat(store.spilledBytes()).isPositive();
        dev.jcloud.engine.internal.codec.EncodedValue read = store.get(1);
        assertThat(read.body()).hasSize(bytes.length); // the head told where the array starts
        java.nio.ByteBuffer back = (java.nio.ByteBuffer) dev.jcloud.engine.internal.codec.ValueCodec.decode(
                read, getClass().getClassLoader());
        assertThat(back).isEqualTo(java.nio.ByteBuffer.wrap(bytes));
        assertThat(back.order()).isEqualTo(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A disk that answers slowly holds up only the reader of that result: the store stays usable
     * for every task and peer meanwhile. A named pipe stands in for the slow disk (a read blocks
     * until something writes to it).
     */
    @Test
    void aSlowSpillReadDoesNotHoldTheStore(@TempDir Path dir) throws Exception {
        DataStore store = new DataStore(dir, 0, (bytes, start, duration) -> {});
        store.put(0x2a, new byte[5000]);
        store.put(0x2b, new byte[5000]);
        Path file = dir.resolve("2a.bin");
        Files.delete(file);
        mkfifo(file);
        CompletableFuture<Object> slowRead = CompletableFuture.supplyAsync(() -> store.get(0x2a));
        try {
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> store.contains(0x2b));
            assertThat(other.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(slowRead).isNotDone();
        } finally {
            try (OutputStream unblock = Files.newOutputStream(file)) {
                unblock.write(new byte[] {0});
            } catch (java.io.IOException readerGaveUp) {
                // The reader may close its end first (a pipe is no file it can seek in): unblocked either way.
            }
            slowRead.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFailedSpillSaysWhatFailedAndAnInterruptedOneBlamesNoDisk(@TempDir Path dir) throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        DataStore broken = new DataStore(notADirectory, 0, (bytes, start, duration) -> {});
        assertThatThrownBy(() -> broken.put(0x2a, new byte[5000]))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot spill")
                .hasMessageContaining("Not a directory");

        DataStore store = new DataStore(dir, Long.MAX_VALUE, (bytes, start, duration) -> {});
        store.put(0x2b, new byte[5000]);
        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        Thread closing = new Thread(() -> {
            Thread.currentThread().interrupt(); // as a closing worker's timer interrupts its watchdog
            try {
                store.spillDownTo(0);
                interrupted.complete(null);
            } catch (Throwable e) {
                interrupted.complete(e);
            }
        });
        closing.start();
        assertThat(interrupted.get(10, TimeUnit.SECONDS))
                .hasMessageContaining("was interrupted")
                .hasMessageNotContaining("cannot spill");
        assertThat(store.contains(0x2b)).isTrue();
    }

    private static void mkfifo(Path file) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        } catch (java.io.IOException e) {
            throw new AssertionError("this test needs mkfifo (install coreutils)", e);
        }
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }
}
