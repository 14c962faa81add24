package dev.jcloud.config;

/**
 * The CPU and memory pairs Fargate accepts (Linux tasks), checked up front because Fargate
 * would otherwise reject the task only when the cluster starts.
 */
final class FargateSizes {

    private FargateSizes() {}

    /** Null if {@code memory} MiB is allowed with {@code cpu} units, else what is allowed. */
    static String allowedMemory(int cpu, int memory) {
        return switch (cpu) {
            case 256 -> memory == 512 || memory == 1024 || memory == 2048 ? null : "512, 1024 or 2048";
            case 512 -> range(memory, 1024, 4096, 1024);
            case 1024 -> range(memory, 2048, 8192, 1024);
            case 2048 -> range(memory, 4096, 16384, 1024);
            case 4096 -> range(memory, 8192, 30720, 1024);
            case 8192 -> range(memory, 16384, 61440, 4096);
            case 16384 -> range(memory, 32768, 122880, 8192);
            default -> null; // the cpu value itself is reported invalid elsewhere
        };
    }

    private static String range(int memory, int min, int max, int step) {
        return memory >= min && memory <= max && (memory - min) % step == 0
                ? null
                : min + " to " + max + " in steps of " + step;
    }
}
