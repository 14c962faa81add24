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

    /**
     * Options of a worker in this process or a test: on loopback, free ports, one thread, Dask's
     * memory fractions (spill 0.6, pause 0.8, terminate 0.95), no known end; change what differs.
     */
    public static Builder local(String schedulerAddress, String name, Path localDirectory) {
        return new Builder(schedulerAddress, name, localDirectory);
    }

    /** See {@link #local}. */
    public static final class Builder {
        private final String schedulerAddress;
        private final String name;
        private final Path localDirectory;
        private int nthreads = 1;
        private long memoryLimit = 1L << 30;
        private Map<String, Double> resources = Map.of();
        private Duration deathTimeout = Duration.ofSeconds(30);
        private double spillFraction = 0.6;
        private double pauseFraction = 0.8;
        private double terminateFraction = 0.95;
        private Instant retireAt;

        private Builder(String schedulerAddress, String name, Path localDirectory) {
            this.schedulerAddress = schedulerAddress;
            this.name = name;
            this.localDirectory = localDirectory;
        }

        public Builder nthreads(int n) {
            nthreads = n;
            return this;
        }

        public Builder memoryLimit(long bytes) {
            memoryLimit = bytes;
            return this;
        }

        public Builder resources(Map<String, Double> offered) {
            resources = offered;
            return this;
        }

        public Builder deathTimeout(Duration timeout) {
            deathTimeout = timeout;
            return this;
        }

        public Builder memoryFractions(double spill, double pause, double terminate) {
            spillFraction = spill;
            pauseFraction = pause;
            terminateFraction = terminate;
            return this;
        }

        public Builder retireAt(Instant when) {
            retireAt = when;
            return this;
        }

        public WorkerOptions build() {
            return new WorkerOptions(
                    schedulerAddress,
                    "127.0.0.1",
                    "127.0.0.1",
                    0,
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
                    retireAt);
        }
    }
}
