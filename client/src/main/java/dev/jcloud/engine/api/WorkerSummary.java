package dev.jcloud.engine.api;

/** One worker as the scheduler sees it. */
public record WorkerSummary(
        String name,
        String address,
        int nthreads,
        long memoryLimit,
        long storedBytes,
        long spilledBytes,
        int processing,
        long pid) {}
