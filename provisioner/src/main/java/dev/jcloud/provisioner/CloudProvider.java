package dev.jcloud.provisioner;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * The service provider interface one cloud (or this machine) implements. Found with
 * {@link java.util.ServiceLoader}; see {@link CloudProviders}.
 *
 * <p>The shape follows what has worked for other cluster launchers (Ray's NodeProvider,
 * SkyPilot's provision modules): create shared resources once, launch nodes of a role with
 * tags, find nodes by the cluster's tag, terminate nodes, delete the shared resources. Every
 * node carries {@link ClusterContext#tags()} so that {@link #nodes} can find it from any process
 * on any machine: what the provider reports is the truth, local state is only a cache.
 *
 * <p>Implementations must be safe to call again after a partial failure: {@link #bootstrap} and
 * {@link #deleteSharedResources} are idempotent, {@link #terminate} ignores nodes already gone.
 */
public interface CloudProvider {

    /** The name users select the provider with, e.g. {@code local}, {@code aws}. */
    String name();

    /**
     * Checks the cluster's options without calling the cloud; a bad option fails here, with a message
     * naming it and what is accepted, before anything is created (or cleaned up).
     */
    default void validate(ClusterContext cluster) {}

    /**
     * What {@code up} would do for this cluster with {@code workers} workers, for {@code --dry-run}:
     * the resources it would create and the calls it would make, in order, after {@link #validate}.
     * Must call no cloud API and write no file. The default describes a provider that only
     * launches nodes.
     */
    default List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return new UpPlan.Builder()
                .launch("scheduler " + ClusterNames.scheduler(cluster.name()), "launch", "")
                .launch(workers + " worker(s)", "launch", "")
                .steps();
    }

    /** Creates (or finds) what the cluster's nodes share: network, firewall rules, identity. */
    default void bootstrap(ClusterContext cluster) {}

    /** Starts the requested nodes and returns them without waiting for them to register. */
    List<Node> launch(ClusterContext cluster, LaunchRequest request);

    /**
     * Waits until the scheduler node listens and returns its addresses; fails by {@code deadline}
     * with a {@link ProvisionException} that shows the node's boot log when it does not.
     */
    SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline);

    /**
     * The address workers will reach the scheduler at, when it is known as soon as the scheduler
     * is launched (a port chosen up front, a private IP assigned at launch). Workers then boot
     * alongside the scheduler (they retry until it listens) instead of after it. Empty (the
     * default) means workers are launched once {@link #awaitScheduler} returns.
     */
    default java.util.Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        return java.util.Optional.empty();
    }

    /** The cluster's nodes that are running now, found by the cluster's tag. */
    List<Node> nodes(ClusterContext cluster);

    /** Stops the given nodes (forcibly if they do not stop within a short grace period). */
    void terminate(ClusterContext cluster, Collection<Node> nodes);

    /** Deletes what {@link #bootstrap} created, once no node is left. */
    default void deleteSharedResources(ClusterContext cluster) {}

    /**
     * Removes the cluster from inside: called by the in-cluster controller in the scheduler process
     * when the cluster has been idle for its idle timeout. The default terminates the workers and
     * waits for them; the scheduler process exits afterwards, and a provider whose scheduler runs on
     * a machine must make sure that machine goes too (the boot script powers it off when the engine
     * exits) and delete what it can of the shared resources.
     */
    default void teardownFromScheduler(ClusterContext cluster) {
        List<Node> workers =
                nodes(cluster).stream().filter(n -> n.role() == NodeRole.WORKER).toList();
        if (!workers.isEmpty()) {
            terminate(cluster, workers);
        }
    }

    /**
     * The clusters of this provider with a running scheduler in the account/project/subscription
     * and region that {@code options} name, found by their tags: how {@code list} and {@code down}
     * work from a machine that did not create them. Each context carries {@code options} merged
     * with what the tags say. The default finds none (a provider without discovery).
     */
    default List<ClusterContext> discover(java.util.Map<String, String> options) {
        return List.of();
    }

    /**
     * Finds the resources this provider's clusters left behind with no live scheduler, in the
     * account/project/subscription and region that {@code options} name, and (unless
     * {@code dryRun}) deletes them. Resources younger than {@code minAge} are left alone: a cluster
     * being created has shared resources before its scheduler starts.
     */
    default GcReport gc(java.util.Map<String, String> options, boolean dryRun, java.time.Duration minAge) {
        return new GcReport(List.of(), !dryRun);
    }

    /** The last {@code lines} lines of the node's boot or process log, for error messages; may be empty. */
    default String logTail(ClusterContext cluster, Node node, int lines) {
        return "";
    }

    /**
     * The log of {@code node}, line by line, for {@code jcloud cluster logs}: the process output of
     * a local node, the console or boot log of a VM, the log stream of a container task. Without
     * {@code follow} the stream ends with the lines there are now; with it, it goes on delivering
     * new lines until the node has stopped or the caller closes the stream. Callers close it.
     *
     * <p>The default serves {@link #logTail} once and cannot follow.
     *
     * @throws UnsupportedOperationException when {@code follow} is asked of a provider that cannot
     */
    default Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        if (follow) {
            throw new UnsupportedOperationException(
                    "the " + name() + " provider cannot follow logs yet; " + "run without --follow");
        }
        return logTail(cluster, node, 10_000).lines();
    }
}
