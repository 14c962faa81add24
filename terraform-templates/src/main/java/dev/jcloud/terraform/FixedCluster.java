package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every exported cluster has, whatever the provider: its identity, its fixed size, what each
 * worker runs with, who may reach the scheduler, and the user's tags.
 *
 * @param name        the cluster's name (tags/labels, resource names); the CLI checks it with
 *                    {@link ClusterNames#check}, the exporter escapes whatever it is
 * @param clusterId   the {@code jcloud.cluster-id} tag value
 * @param workers     the fixed number of workers, {@code >= 0}
 * @param nthreads    task threads per worker, 0 = one per core
 * @param memoryLimit memory per worker as the engine reads it ({@code 4GiB}), or {@code auto}
 * @param allowFrom   IPv4 CIDRs that may reach the scheduler and dashboard ports; empty = none
 * @param tags        extra tags/labels on every resource (jcloud's own win on a clash)
 */
public record FixedCluster(
        String name,
        String clusterId,
        int workers,
        int nthreads,
        String memoryLimit,
        List<String> allowFrom,
        Map<String, String> tags) {

    /** What the engine accepts for {@code --memory-limit}; also checked by the modules' variables. */
    public static final String MEMORY_LIMIT_FORMAT = "auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?";

    public FixedCluster {
        requireNonNull(name, "name is null");
        requireNonNull(clusterId, "clusterId is null");
        requireNonNull(memoryLimit, "memoryLimit is null");
        allowFrom = List.copyOf(allowFrom);
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
        }
        if (nthreads < 0) {
            throw new IllegalArgumentException("nthreads must be >= 0 (was " + nthreads + ")");
        }
        if (!memoryLimit.matches(MEMORY_LIMIT_FORMAT)) {
            throw new IllegalArgumentException(
                    "memory limit must be 'auto' or a size such as 4GiB (was '" + memoryLimit + "')");
        }
    }

    /** A cluster with a fresh id, threads per core, automatic memory limit, no allow-from, no tags. */
    public static FixedCluster of(String name, int workers) {
        return new FixedCluster(name, ClusterNames.newId(), workers, 0, "auto", List.of(), Map.of());
    }

    /**
     * The cluster of a running cluster's record (what {@code cluster up} stored: name, workers,
     * threads, memory limit) as a new, separate cluster with a fresh id, so that the running
     * cluster's {@code down} and {@code gc} (which find resources by that id) never touch what
     * Terraform creates. No allow-from and no tags: the provider reads those from the record's
     * options ({@link TerraformExport}).
     */
    public static FixedCluster of(ClusterRecord record) {
        return new FixedCluster(
                record.name(),
                ClusterNames.newId(),
                record.workers().size(),
                Math.max(0, record.nthreads()),
                record.memoryLimit() == null ? "auto" : record.memoryLimit(),
                List.of(),
                Map.of());
    }

    public FixedCluster withClusterId(String id) {
        return new FixedCluster(name, id, workers, nthreads, memoryLimit, allowFrom, tags);
    }

    public FixedCluster withWorkers(int n) {
        return new FixedCluster(name, clusterId, n, nthreads, memoryLimit, allowFrom, tags);
    }

    public FixedCluster withNthreads(int n) {
        return new FixedCluster(name, clusterId, workers, n, memoryLimit, allowFrom, tags);
    }

    public FixedCluster withMemoryLimit(String limit) {
        return new FixedCluster(name, clusterId, workers, nthreads, limit, allowFrom, tags);
    }

    public FixedCluster withAllowFrom(List<String> cidrs) {
        return new FixedCluster(name, clusterId, workers, nthreads, memoryLimit, cidrs, tags);
    }

    public FixedCluster withTags(Map<String, String> t) {
        return new FixedCluster(name, clusterId, workers, nthreads, memoryLimit, allowFrom, t);
    }
}
