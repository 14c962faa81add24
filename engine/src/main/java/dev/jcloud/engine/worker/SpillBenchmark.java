package dev.jcloud.engine.worker;

import dev.jcloud.engine.internal.ScratchDirectories;
import dev.jcloud.engine.internal.codec.ValueCodec;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Spill speed of a worker's store: {@code N} results of {@code S} MiB ({@code byte[]}) moved to
 * local disk and read back, in MiB/s. The files are written through the page cache, as a worker
 * writes them; read-back figures are from the cache unless the machine is short of memory.
 *
 * <p>Run: {@code java -cp <engine jar and its dependencies> dev.jcloud.engine.worker.SpillBenchmark
 * [--size-mib S] [--count N] [--dir DIR]} (default 32 MiB x 32 in a temporary directory).
 */
public final class SpillBenchmark {

    private SpillBenchmark() {}

    public static void main(String[] args) throws Exception {
        int mib = 32;
        int count = 32;
        Path base = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--size-mib" -> mib = Integer.parseInt(args[i + 1]);
                case "--count" -> count = Integer.parseInt(args[i + 1]);
                case "--dir" -> base = Path.of(args[i + 1]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i] + " (accepted: --size-mib S, --count N, --dir DIR)");
            }
        }
        Path dir =
                base == null ? Files.createTempDirectory("jcloud-spill-") : Files.createTempDirectory(base, "spill-");
        try {
            for (int round = 1; round <= 3; round++) {
                DataStore store = new DataStore(dir, Long.MAX_VALUE, (bytes, start, duration) -> {});
                for (int k = 0; k < count; k++) {
                    byte[] b = new byte[mib << 20];
                    java.util.Arrays.fill(b, (byte) k);
                    store.put(k, ValueCodec.encodeValue(b));
                }
                long t0 = System.nanoTime();
                long moved = store.spillDownTo(0);
                double write = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                long read = 0;
                for (int k = 0; k < count; k++) {
                    read += store.get(k).size();
                }
                double readSeconds = (System.nanoTime() - t1) / 1e9;
                System.out.printf(
                        "spill round %d: %d x %d MiB  write %,.0f MiB/s  read %,.0f MiB/s%n",
                        round, count, mib, moved / 1048576.0 / write, read / 1048576.0 / readSeconds);
                store.clear();
            }
        } finally {
            ScratchDirectories.deleteQuietly(dir);
        }
    }
}
