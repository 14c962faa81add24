package dev.jcloud.providers.local;

import dev.jcloud.config.ByteSize;

/** JVM heap flags for a worker's memory limit. */
final class JvmSizes {

    private JvmSizes() {}

    /**
     * The {@code -Xmx} value for a worker allowed {@code memoryLimit}: the limit itself, in MiB,
     * since the worker's spill/pause/terminate thresholds are fractions of the heap it manages.
     */
    static String heapFor(String memoryLimit) {
        long mib = Math.max(16, ByteSize.parse(memoryLimit).bytes() >> 20);
        return mib + "m";
    }
}
