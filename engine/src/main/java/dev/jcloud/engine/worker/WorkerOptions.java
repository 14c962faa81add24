package dev.jcloud.engine.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * How a worker joins a scheduler and manages its threads and memory.
 *
 * @param schedulerAddress  host:port of the scheduler
 * @param host              interface for this worker's data service (peers fetch results here)
 * @param advertiseHost     host name or IP that peers use to reach this worker
 * @param port              data service port; 0 picks a free one
 * @param nthreads          task threads
 * @param memoryLimit       bytes this worker may hold; spill/pause/terminate fractions refer to it
 * @param name              unique worker name; the same identity everywhere (provider, tags, scheduler)
 * @param resources         abstract resources offered, e.g. GPU=1
 * @param deathTimeout      exit after failing to reach the scheduler this long; zero = never
 * @param localDirectory    where spilled results go
 * @param spillFraction     results move to disk above this fraction of the memory limit
 * @param pauseFraction     no new tasks start above this fraction of heap in use
 * @param terminateFraction the worker exits above this fraction of heap in use
 * @param bulkPort          port of the bulk data listener (same interface as the data service,
 *                          TLS on TLS clusters); 0 picks a free one
 * @param retireAt          when the worker's platform ends it (a batch job's walltime less a
 *     margin), or null: the worker retires gracefully then, and the scheduler gives it no task
 *     expected to run past it
 */
public record WorkerOptions(
        String schedulerAddress,
        String host,
        String advertiseHost,
        int port,
        int nthreads,
        long memoryLimit,
        String name,
        Map<String, Double> resources,
        Duration deathTimeout,
        Path localDirectory,
        double spillFraction,
        double pauseFraction,
        double terminateFraction,
        int bulkPort,
        Instant retireAt) {

    /** Options of a worker with no known end and its bulk data listener on any free port. */
    public WorkerOptions(
            String schedulerAddress,
            String host,
            String advertiseHost,
            int port,
            int nthreads,
            long memoryLimit,
            String name,
            Map<String, Double> resources,
            Duration deathTimeout,
            Path localDirectory,
            double spillFraction,
            double pauseFraction,
            double terminateFraction) {
        this(
                schedulerAddress,
                host,
                advertiseHost,
                port,
                nthreads,
                memoryLimit,
                name,
                resources,
                deathTimeout,
                localDirectory,
                spillFraction,
                pauseFraction,
                terminateFraction,
                0,
                null);
    }

    public WorkerOptions {
        Objects.requireNonNull(schedulerAddress, "schedulerAddress is null");
        Objects.requireNonNull(name, "name is null");
        resources = Map.copyOf(resources);
        if (nthreads < 1) {
            throw new IllegalArgumentException("nthreads must be >= 1 (was " + nthreads + ")");
        }
        if (!(spillFraction > 0
                && spillFraction <= pauseFraction
                && pauseFraction <= terminateFraction
                && terminateFraction <= 1)) {
            throw new IllegalArgumentException("memory fractions must satisfy 0 < spill <= pause <= terminate <= 1");
        }
    }
}
