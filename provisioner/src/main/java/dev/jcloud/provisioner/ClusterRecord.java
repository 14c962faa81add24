package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What this machine remembers about a cluster, stored by {@link ClusterStateStore}. A cache: the
 * provider's view of the cluster's nodes wins whenever the two disagree.
 *
 * @param name            the cluster's name
 * @param id              the unique id its nodes are tagged with
 * @param provider        the provider's name
 * @param scheduler       host:port of the scheduler, null while it is starting
 * @param dashboard       host:port of the dashboard, or null
 * @param createdAtMillis when {@code up} started (epoch milliseconds)
 * @param nthreads        threads per worker
 * @param memoryLimit     memory per worker as given ({@code 4GiB}), or null for the provider's default
 * @param deathTimeout    the workers' death timeout, e.g. {@code 60s}
 * @param idleTimeout     the scheduler's idle timeout, {@code 0} for never
 * @param nextWorkerIndex the number of the next worker to start; names are never reused
 * @param nodes           the nodes last seen
 * @param options         the provider options the cluster was created with
 * @param ownerPid        pid of the program whose {@code Cluster} object stops the cluster when closed,
 *                        0 for a detached cluster (one started by {@code jcloud cluster up})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterRecord(
        String name,
        String id,
        String provider,
        String scheduler,
        String dashboard,
        long createdAtMillis,
        int nthreads,
        String memoryLimit,
        String deathTimeout,
        String idleTimeout,
        int nextWorkerIndex,
        List<Node> nodes,
        Map<String, String> options,
        long ownerPid) {

    public ClusterRecord {
        requireNonNull(name, "name is null");
        requireNonNull(id, "id is null");
        requireNonNull(provider, "provider is null");
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** The context a provider needs to work on this cluster. */
    public ClusterContext context(Path workDir) {
        return new ClusterContext(name, id, workDir, options);
    }

    /** Workers among {@link #nodes()}. */
    @JsonIgnore
    public List<Node> workers() {
        return nodes.stream().filter(n -> n.role() == NodeRole.WORKER).toList();
    }

    public ClusterRecord withEndpoint(SchedulerEndpoint endpoint) {
        return new ClusterRecord(
                name,
                id,
                provider,
                endpoint.scheduler(),
                endpoint.dashboard(),
                createdAtMillis,
                nthreads,
                memoryLimit,
                deathTimeout,
                idleTimeout,
                nextWorkerIndex,
                nodes,
                options,
                ownerPid);
    }

    public ClusterRecord withNodes(List<Node> nodes) {
        return new ClusterRecord(
                name,
                id,
                provider,
                scheduler,
                dashboard,
                createdAtMillis,
                nthreads,
                memoryLimit,
                deathTimeout,
                idleTimeout,
                nextWorkerIndex,
                nodes,
                options,
                ownerPid);
    }

    public ClusterRecord withNextWorkerIndex(int next) {
        return new ClusterRecord(
                name,
                id,
                provider,
                scheduler,
                dashboard,
                createdAtMillis,
                nthreads,
                memoryLimit,
                deathTimeout,
                idleTimeout,
                next,
                nodes,
                options,
                ownerPid);
    }
}
