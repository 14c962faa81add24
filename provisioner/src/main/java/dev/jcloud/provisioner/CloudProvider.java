package dev.jcloud.provisioner;

import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.PriceTable;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** One sentence for {@code jcloud --help} and {@code cluster up --help}: where clusters run. */
    default String description() {
        return "";
    }

    /**
     * The settings this provider reads, as sections of keys with their defaults, parsers, help
     * text and command-line flags. The configuration validates {@code <section>.*} keys against
     * them (in files, {@code JCLOUD_*} variables and flags), {@code cluster up} and
     * {@code export-terraform} take their flags, and every set key reaches the provider in
     * {@link ClusterContext#options()} as text the key's {@link dev.jcloud.config.SettingKey#read}
     * reads back. Two providers of one module may share a section (return the same instance).
     */
    default List<SettingsSection> settings() {
        return List.of();
    }

    /**
     * Whether the cluster's machines are reached over a network (a cloud, a batch system, other
     * hosts) rather than being processes on this machine. Remote clusters get TLS unless the user
     * turns it off ({@code security.tls auto}), and always carry the in-cluster controller, which
     * removes an idle cluster's machines.
     */
    default boolean remote() {
        return true;
    }

    /** The option prefix under which the user's {@code cluster.tags} reach this provider. */
    default String userTagPrefix() {
        return name() + ".tag.";
    }

    /**
     * How the platform bills a worker's time for a cluster with {@code options}: what billing-aware
     * retirement and the cost figures use. The default bills nothing per start.
     */
    default BillingModel billing(Map<String, String> options) {
        return BillingModel.NONE;
    }

    /**
     * How long a new worker typically takes from the request until it registers, before the
     * controller has measured it: the first guess of the in-cluster controller's scaling.
     */
    default Duration typicalBootTime() {
        return Duration.ofSeconds(60);
    }

    /** The provider's bundled prices; empty when its machines cost nothing or are not priced. */
    default Optional<PriceTable> priceTable() {
        return Optional.empty();
    }

    /**
     * Where a cluster with {@code options} runs and on which machine types, for pricing; empty
     * (the default) when the provider does not price its machines.
     */
    default Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.empty();
    }

    /**
     * What a cluster with {@code options} costs: its {@link #machines} priced from
     * {@link #priceTable} with the user's prices (in the options) on top, billed by
     * {@link #billing}. Empty when the provider does not price its machines or the table does not
     * know them.
     */
    default Optional<ClusterPricing> pricing(Map<String, String> options) {
        return machines(options)
                .flatMap(m ->
                        ClusterPricing.of(m, billing(options), priceTable().orElseGet(PriceTable::empty), options));
    }

    /**
     * The least permissions a user needs to run this provider's clusters, as the platform's
     * policy document (for {@code jcloud iam-policy}); empty when the platform has none to give.
     */
    default Optional<String> permissionPolicy() {
        return Optional.empty();
    }

    /**
     * A capability this provider offers beyond this interface, defined by the module that uses it
     * (for instance the Terraform exporter's module spec): the provider itself when it implements
     * {@code type}, else empty. Providers override it to hand out a separate object.
     */
    default <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /**
     * Why this provider does not offer {@code type}, in one sentence a command that needs the
     * capability adds to its error (for instance what to use instead); empty when it offers it or
     * has nothing to add to "does not offer it".
     */
    default Optional<String> capabilityAbsence(Class<?> type) {
        return Optional.empty();
    }

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
     * What the in-cluster controller measured a worker's start to take, from its request until it
     * registered (on a batch system: the queue wait and the JVM's start), upper quartile of the
     * recent ones; called each time the figure changes. A provider that starts a worker's
     * replacement ahead of a known end (a batch job's walltime) starts it this long ahead. The
     * default ignores it.
     */
    default void startupMeasured(ClusterContext cluster, Duration startup) {}

    /**
     * The address workers will reach the scheduler at, when it is known as soon as the scheduler
     * is launched (a port chosen up front, a private IP assigned at launch). Workers then boot
     * alongside the scheduler (they retry until it listens) instead of after it. Empty (the
     * default) means workers are launched once {@link #awaitScheduler} returns.
     */
    default Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        return Optional.empty();
    }

    /** The cluster's nodes that are running now, found by the cluster's tag. */
    List<Node> nodes(ClusterContext cluster);

    /**
     * How long after {@code up} began a cluster may still show no scheduler in {@link #nodes}
     * without being gone: {@code up} takes this long at most to create the shared resources and
     * launch the scheduler, plus the time the platform may take to list a node it has just
     * launched (clouds whose listings are eventually consistent). {@code list} and {@code find}
     * remove a cluster without a visible scheduler only once it is older than this, so a
     * {@code list} in another terminal never tears down a cluster that is still starting (as
     * {@link #gc}'s {@code minAge} protects resources younger than it). The default, zero, suits
     * a provider that lists a node as soon as it is launched.
     */
    default Duration startingGrace() {
        return Duration.ZERO;
    }

    /**
     * The cluster's nodes the platform was asked for but has not started, each with the
     * platform's reason (a batch job pending and its scheduler's reason, a pod the Kubernetes
     * scheduler cannot place and its message). Every one is also in {@link #nodes}. Shrinking
     * removes these first, before any worker that runs ({@code cluster scale}, the in-cluster
     * controller's retirements): they hold no results and cost nothing to give up. Empty (the
     * default) when the platform starts what it is asked for or cannot say which it has not.
     */
    default List<WaitingNode> waitingNodes(ClusterContext cluster) {
        return List.of();
    }

    /**
     * What {@code cluster status} shows under "waiting": one line per {@link #waitingNodes}.
     */
    default List<String> waiting(ClusterContext cluster) {
        return waitingNodes(cluster).stream().map(WaitingNode::description).toList();
    }

    /**
     * How many of {@code wanted} more workers the platform takes now: fewer when it caps the
     * requests it holds (a batch site's limits on a user's queued or running jobs), so that the
     * in-cluster controller asks again later instead of having a launch refused. A launch of more
     * than this may fail. The default takes them all.
     */
    default int launchableWorkers(ClusterContext cluster, int wanted) {
        return wanted;
    }

    /**
     * The core-hours the cluster has used so far and uses per hour now, as the platform accounts
     * them, for platforms that charge an allocation by core-hours (batch systems) rather than by
     * price. The in-cluster controller asks now and then and publishes the figures beside the
     * cost ({@code core_hours_total}, {@code core_hours_per_hour}); {@code cluster status} shows
     * them with their source. Empty (the default) when the platform does not count them.
     */
    default Optional<ResourceUsage> usage(ClusterContext cluster) {
        return Optional.empty();
    }

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
    default List<ClusterContext> discover(Map<String, String> options) {
        return List.of();
    }

    /**
     * Finds the resources this provider's clusters left behind with no live scheduler, in the
     * account/project/subscription and region that {@code options} name, and (unless
     * {@code dryRun}) deletes them. Resources younger than {@code minAge} are left alone: a cluster
     * being created has shared resources before its scheduler starts.
     */
    default GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
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
