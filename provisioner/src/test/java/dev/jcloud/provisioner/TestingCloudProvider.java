package dev.jcloud.provisioner;

import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.PriceTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An in-memory provider (the idea of jclouds' "stub" provider): nodes are entries in a list, and
 * tests decide what the scheduler wait does.
 */
public final class TestingCloudProvider implements CloudProvider {

    final List<Node> running = new ArrayList<>();
    final List<Node> terminated = new ArrayList<>();
    final List<String> sharedResources = new ArrayList<>();
    final List<LaunchRequest> launches = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final String name;
    private Function<Node, SchedulerEndpoint> schedulerWait = n -> new SchedulerEndpoint("127.0.0.1:1", null);
    private ClusterPricing.Machines machines;
    private PriceTable prices;
    private BillingModel billing = BillingModel.NONE;
    private java.time.Duration startingGrace = java.time.Duration.ZERO;
    /** Names of nodes the platform holds back (a pending job), and its cap on those (MAX_VALUE: none). */
    private final java.util.Set<String> held = new java.util.HashSet<>();

    private int maxHeld = Integer.MAX_VALUE;
    /** The start-up times the controller reported, in order. */
    public final List<java.time.Duration> startups = new ArrayList<>();

    public TestingCloudProvider(String name) {
        this.name = name;
    }

    TestingCloudProvider schedulerWait(Function<Node, SchedulerEndpoint> wait) {
        this.schedulerWait = wait;
        return this;
    }

    /** Machines of {@code machines}'s type, priced from {@code prices} and billed by {@code billing}. */
    public TestingCloudProvider priced(ClusterPricing.Machines machines, PriceTable prices, BillingModel billing) {
        this.machines = machines;
        this.prices = prices;
        this.billing = billing;
        return this;
    }

    /** A platform whose listings lag its launches by up to {@code grace} (see {@link #startingGrace()}). */
    TestingCloudProvider startingGrace(java.time.Duration grace) {
        this.startingGrace = grace;
        return this;
    }

    /** Holds the node {@code name} back, as a batch system keeps a job pending, until {@link #release}. */
    public synchronized TestingCloudProvider hold(String name) {
        held.add(name);
        return this;
    }

    /** Starts the held node {@code name}. */
    public synchronized void release(String name) {
        held.remove(name);
    }

    /** Holds every node launched from now on, taking new ones only while fewer than {@code max} are held. */
    public synchronized TestingCloudProvider holdAll(int max) {
        this.maxHeld = max;
        return this;
    }

    /** The core-hours this platform reports: one core per worker node, one hour each so far. */
    @Override
    public synchronized Optional<ResourceUsage> usage(ClusterContext cluster) {
        long workers =
                nodes(cluster).stream().filter(n -> n.role() == NodeRole.WORKER).count();
        return Optional.of(new ResourceUsage(workers, workers, "one core-hour per worker"));
    }

    @Override
    public synchronized void startupMeasured(ClusterContext cluster, java.time.Duration startup) {
        startups.add(startup);
    }

    @Override
    public synchronized List<WaitingNode> waitingNodes(ClusterContext cluster) {
        return nodes(cluster).stream()
                .filter(n -> held.contains(n.name()))
                .map(n -> new WaitingNode(n, n.name() + ": pending, held"))
                .toList();
    }

    @Override
    public synchronized int launchableWorkers(ClusterContext cluster, int wanted) {
        if (maxHeld == Integer.MAX_VALUE) {
            return wanted;
        }
        return Math.max(0, Math.min(wanted, maxHeld - waitingNodes(cluster).size()));
    }

    @Override
    public java.time.Duration startingGrace() {
        return startingGrace;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BillingModel billing(Map<String, String> options) {
        return billing;
    }

    @Override
    public Optional<PriceTable> priceTable() {
        return Optional.ofNullable(prices);
    }

    @Override
    public Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.ofNullable(machines);
    }

    @Override
    public synchronized void bootstrap(ClusterContext cluster) {
        if (!sharedResources.contains(cluster.id())) {
            sharedResources.add(cluster.id());
        }
    }

    @Override
    public synchronized List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        launches.add(request);
        List<Node> out = new ArrayList<>();
        for (LaunchRequest.NodeLaunch n : request.nodes()) {
            out.add(new Node(cluster.id() + "/" + ids.incrementAndGet(), n.name(), request.role()));
            if (maxHeld != Integer.MAX_VALUE && request.role() == NodeRole.WORKER) {
                held.add(n.name());
            }
        }
        running.addAll(out);
        return out;
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        return schedulerWait.apply(scheduler);
    }

    @Override
    public synchronized List<Node> nodes(ClusterContext cluster) {
        return running.stream()
                .filter(n -> n.id().startsWith(cluster.id() + "/"))
                .toList();
    }

    @Override
    public synchronized void terminate(ClusterContext cluster, Collection<Node> nodes) {
        for (Node n : nodes) {
            if (running.remove(n)) {
                terminated.add(n);
            }
        }
    }

    @Override
    public synchronized void deleteSharedResources(ClusterContext cluster) {
        sharedResources.remove(cluster.id());
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        return "boot log of " + node.name();
    }

    /** Simulates a node dying on its own (kill -9, a VM preempted). */
    synchronized void kill(Node n) {
        running.remove(n);
    }
}
