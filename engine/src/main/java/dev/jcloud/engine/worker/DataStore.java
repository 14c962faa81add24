package dev.jcloud.engine.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Results held by this worker, encoded. Above the spill threshold the least recently used move
 * to local disk; they come back transparently when read. Each spill is reported to a
 * {@link SpillListener} as it happens (the dashboard's task stream marks it). Thread-safe.
 */
final class DataStore {

    /** Told of each spill: {@code bytes} moved to disk in one go, when it started and how long it took. */
    @FunctionalInterface
    interface SpillListener {
        void spilled(long bytes, long startMicros, long durationMicros);
    }

    private final Path dir;
    private final long spillThreshold;
    private final LinkedHashMap<Long, byte[]> memory = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<Long, Long> spilled = new java.util.HashMap<>();
    private final SpillListener listener;
    private long memoryBytes;
    private long spilledBytes;

    DataStore(Path dir, long spillThreshold, SpillListener listener) {
        this.dir = dir;
        this.spillThreshold = spillThreshold;
        this.listener = listener;
    }

    synchronized void put(long key, byte[] value) {
        remove(key);
        memory.put(key, value);
        memoryBytes += value.length;
        spillIfNeeded();
    }

    /** The value, or null when this worker does not hold the key. */
    synchronized byte[] get(long key) {
        byte[] v = memory.get(key);
        if (v != null) {
            return v;
        }
        Long size = spilled.get(key);
        if (size == null) {
            return null;
        }
        try {
            // Read back without re-admitting it to memory: a spilled result is usually read once.
            return Files.readAllBytes(file(key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spilled result " + Long.toHexString(key), e);
        }
    }

    synchronized boolean contains(long key) {
        return memory.containsKey(key) || spilled.containsKey(key);
    }

    synchronized void remove(long key) {
        byte[] v = memory.remove(key);
        if (v != null) {
            memoryBytes -= v.length;
            return;
        }
        Long size = spilled.remove(key);
        if (size != null) {
            spilledBytes -= size;
            try {
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
        Iterator<Map.Entry<Long, byte[]>> lru = memory.entrySet().iterator();
        while (memoryBytes > target && lru.hasNext()) {
            Map.Entry<Long, byte[]> e = lru.next();
            try {
                Files.write(file(e.getKey()), e.getValue());
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot spill to " + dir + " (disk full?)", ex);
            }
            spilled.put(e.getKey(), (long) e.getValue().length);
            spilledBytes += e.getValue().length;
            memoryBytes -= e.getValue().length;
            lru.remove();
        }
        long moved = before - memoryBytes;
        if (moved > 0) {
            listener.spilled(moved, startMicros, (System.nanoTime() - t0) / 1000);
        }
        return moved;
    }

    private Path file(long key) {
        return dir.resolve(Long.toHexString(key) + ".bin");
    }
}
