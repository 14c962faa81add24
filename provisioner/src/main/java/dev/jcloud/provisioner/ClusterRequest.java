package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.ByteSize;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@link Provisioner#up} should create.
 *
 * @param name         cluster name, see {@link ClusterNames#check}
 * @param workers      number of workers, at least 0
 * @param nthreads     task threads per worker, at least 1
 * @param memoryLimit  memory per worker, or null for the provider's default
 * @param idleTimeout  the scheduler stops the whole cluster after being idle this long; zero = never
 * @param deathTimeout a worker exits after failing to reach its scheduler this long
 * @param startTimeout deadline for the scheduler and all workers to be registered
 * @param options      provider-specific settings
 */
public record ClusterRequest(
        String name,
        int workers,
        int nthreads,
        ByteSize memoryLimit,
        Duration idleTimeout,
        Duration deathTimeout,
        Duration startTimeout,
        Map<String, String> options) {

    public ClusterRequest {
        ClusterNames.check(name);
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
        }
        if (nthreads < 1) {
            throw new IllegalArgumentException("nthreads must be >= 1 (was " + nthreads + ")");
        }
        if (memoryLimit != null && memoryLimit.bytes() < (16L << 20)) {
            throw new IllegalArgumentException("memory limit must be at least 16MiB (was " + memoryLimit + ")");
        }
        requireNonNull(idleTimeout, "idleTimeout is null");
        requireNonNull(deathTimeout, "deathTimeout is null");
        requireNonNull(startTimeout, "startTimeout is null");
        options = Map.copyOf(options);
    }

    /** One worker with one thread, default memory, no idle timeout, 60 s death timeout, 60 s to start. */
    public static ClusterRequest named(String name) {
        return new ClusterRequest(
                name, 1, 1, null, Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(60), Map.of());
    }

    public ClusterRequest withWorkers(int workers) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    public ClusterRequest withNthreads(int nthreads) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    public ClusterRequest withMemoryLimit(ByteSize memoryLimit) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    public ClusterRequest withIdleTimeout(Duration idleTimeout) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    public ClusterRequest withDeathTimeout(Duration deathTimeout) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    public ClusterRequest withStartTimeout(Duration startTimeout) {
        return new ClusterRequest(
                name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, options);
    }

    /** A copy with one more provider option. */
    public ClusterRequest withOption(String key, String value) {
        Map<String, String> copy = new HashMap<>(options);
        copy.put(key, value);
        return new ClusterRequest(name, workers, nthreads, memoryLimit, idleTimeout, deathTimeout, startTimeout, copy);
    }
}
