package dev.jcloud.engine.worker;

import com.google.protobuf.UnsafeByteOperations;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.ValueCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Results held by this worker, encoded. Above the spill threshold the least recently used move
 * to local disk; they come back transparently when read. Each spill is reported to a
 * {@link SpillListener} as it happens (the dashboard's task stream marks it). Thread-safe.
 *
 * <p>A value is an {@link EncodedValue} as it was made or received (a task's array behind a
 * header, or the chunks a peer sent): it is stored, spilled and served without being joined or
 * copied.
 * Disk reads happen outside the store's lock, so one slow read does not hold up every task and
 * every peer; spill files are readable by this user only.
 */
final class DataStore {

    /** Told of each spill: {@code bytes} moved to disk in one go, when it started and how long it took. */
    @FunctionalInterface
    interface SpillListener {
        void spilled(long bytes, long startMicros, long durationMicros);
    }

    /** Where a held result is: in memory, or in a spill file of {@code size} bytes. */
    record Located(EncodedValue memory, Path file, long size) {}

    /** Writes to disk go in slices, so the JDK's temporary direct buffer stays small. */
    private static final int WRITE_SLICE = 1 << 20;

    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final Path dir;
    private final long spillThreshold;
    private final LinkedHashMap<Long, EncodedValue> memory = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<Long, Long> spilled = new java.util.HashMap<>();
    private final SpillListener listener;
    private long memoryBytes;
    private long spilledBytes;

    DataStore(Path dir, long spillThreshold, SpillListener listener) {
        this.dir = dir;
        this.spillThreshold = spillThreshold;
        this.listener = listener;
    }

    void put(long key, byte[] value) {
        put(key, EncodedValue.of(UnsafeByteOperations.unsafeWrap(value)));
    }

    synchronized void put(long key, EncodedValue value) {
        remove(key);
        memory.put(key, value);
        memoryBytes += value.size();
        spillIfNeeded();
    }

    /** Where the value is, or null when this worker does not hold the key. */
    synchronized Located locate(long key) {
        EncodedValue v = memory.get(key);
        if (v != null) {
            return new Located(v, null, v.size());
        }
        Long size = spilled.get(key);
        return size == null ? null : new Located(null, file(key), size);
    }

    /**
     * The value, or null when this worker does not hold the key. A spilled value is read back
     * outside the lock, without re-admitting it to memory: a spilled result is usually read once.
     */
    EncodedValue get(long key) {
        Located at = locate(key);
        if (at == null) {
            return null;
        }
        if (at.memory() != null) {
            return at.memory();
        }
        try {
            return read(at.file(), at.size());
        } catch (NoSuchFileException e) {
            return null; // removed while we were about to read it
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spilled result " + Long.toHexString(key), e);
        }
    }

    synchronized boolean contains(long key) {
        return memory.containsKey(key) || spilled.containsKey(key);
    }

    synchronized void remove(long key) {
        EncodedValue v = memory.remove(key);
        if (v != null) {
            memoryBytes -= v.size();
            return;
        }
        Long size = spilled.remove(key);
        if (size != null) {
            spilledBytes -= size;
            try {
                // A reader that opened the file already keeps reading it.
                Files.deleteIfExists(file(key));
            } catch (IOException ignored) {
                // The directory is the worker's own scratch space, removed at exit.
            }
        }
    }

    synchronized void clear() {
        for (Long key : spilled.keySet().toArray(new Long[0])) {
            remove(key);
        }
        memory.clear();
        memoryBytes = 0;
    }

    synchronized long memoryBytes() {
        return memoryBytes;
    }

    synchronized long spilledBytes() {
        return spilledBytes;
    }

    synchronized int size() {
        return memory.size() + spilled.size();
    }

    private void spillIfNeeded() {
        spillDownTo(spillThreshold);
    }

    /** Moves least recently used results to disk until at most {@code target} bytes stay in memory. */
    synchronized long spillDownTo(long target) {
        if (memoryBytes <= target) {
            return 0;
        }
        long before = memoryBytes;
        long startMicros = System.currentTimeMillis() * 1000;
        long t0 = System.nanoTime();
        Iterator<Map.Entry<Long, EncodedValue>> lru = memory.entrySet().iterator();
        while (memoryBytes > target && lru.hasNext()) {
            Map.Entry<Long, EncodedValue> e = lru.next();
            Path file = file(e.getKey());
            try {
                write(file, e.getValue());
            } catch (IOException ex) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // Reported below; the directory is scratch space.
                }
                throw new UncheckedIOException(spillFailure(file, e.getValue().size(), ex), ex);
            }
            long size = e.getValue().size();
            spilled.put(e.getKey(), size);
            spilledBytes += size;
            memoryBytes -= size;
            lru.remove();
        }
        long moved = before - memoryBytes;
        if (moved > 0) {
            listener.spilled(moved, startMicros, (System.nanoTime() - t0) / 1000);
        }
        return moved;
    }

    /**
     * What failed, in the file system's words ("No space left on device", "Not a directory"), or
     * that the writing thread was interrupted (a worker closing), which is no fault of the disk.
     */
    private static String spillFailure(Path file, long size, IOException cause) {
        if (cause instanceof ClosedByInterruptException) {
            return "spilling " + size + " bytes to " + file + " was interrupted";
        }
        String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return "cannot spill " + size + " bytes to " + file + ": " + reason;
    }

    /** Streams the value's pieces to a new file, mode 0600 where the file system has modes. */
    private static void write(Path file, EncodedValue value) throws IOException {
        Files.deleteIfExists(file);
        try (FileChannel out = FileChannel.open(file, CREATE, ownerOnly())) {
            for (ByteBuffer piece : value.toByteString().asReadOnlyByteBufferList()) {
                while (piece.hasRemaining()) {
                    ByteBuffer slice = piece.slice().limit(Math.min(WRITE_SLICE, piece.remaining()));
                    int n = out.write(slice);
                    piece.position(piece.position() + n);
                }
            }
        }
    }

    /**
     * Reads a spilled value back: a {@code byte[]} value's array straight from the file into the
     * array the task gets, anything else as it was written.
     */
    static EncodedValue read(Path file, long size) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            int head = headLength(in, size);
            if (head < 0) {
                ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(size));
                readFully(in, all, 0);
                return EncodedValue.of(UnsafeByteOperations.unsafeWrap(all.array()));
            }
            ByteBuffer headBytes = ByteBuffer.allocate(head);
            readFully(in, headBytes, 0);
            ByteBuffer body = ByteBuffer.allocate(Math.toIntExact(size - head));
            readFully(in, body, head);
            return EncodedValue.of(UnsafeByteOperations.unsafeWrap(headBytes.array()), body.array());
        }
    }

    /** The length of the head before a {@code byte[]} value's array in a spill file; -1 for other values. */
    static int headLength(FileChannel in, long size) throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(11, size));
        readFully(in, prefix, 0);
        return ValueCodec.bodyOffset(prefix.array(), prefix.capacity(), size);
    }

    static void readFully(FileChannel in, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (in.read(into, position + into.position()) < 0) {
                throw new IOException("spill file ended early");
            }
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                }
                : new FileAttribute<?>[0];
    }

    private Path file(long key) {
        return dir.resolve(Long.toHexString(key) + ".bin");
    }
}
