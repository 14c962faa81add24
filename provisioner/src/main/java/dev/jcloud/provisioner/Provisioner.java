package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.Durations;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterUnavailableException;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster lifecycle over any {@link CloudProvider}: up, scale, down, list. Works from any
 * process: everything it needs is in the {@link ClusterStateStore} and what the provider reports,
 * and the provider's report wins (a cluster whose scheduler is gone is cleaned up, not listed).
 *
 * <p>Every wait has a deadline; when a node fails to start, the error shows its log.
 */
public final class Provisioner {

    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);
    private static final int LOG_LINES = 20;
    private static final Duration POLL = Duration.ofMillis(25);

    /** Request option: the scheduler stops after no client for this long even with work queued (e.g. 5m). */
    public static final String NO_CLIENT_TIMEOUT = "up.no-client-timeout";

    /** Request option: {@code true} keeps what a failed {@code up} created, for inspection. */
    public static final String KEEP_ON_FAILURE = "up.keep-on-failure";

    /** Request option: {@value #WAIT_PROVISIONED} returns from {@code up} once the machines exist. */
    public static final String WAIT = "up.wait";

    public static final String WAIT_PROVISIONED = "provisioned";

    private final CloudProviders providers;
    private final ClusterStateStore store;

    public Provisioner(CloudProviders providers, ClusterStateStore store) {
        this.providers = requireNonNull(providers, "providers is null");
        this.store = requireNonNull(store, "store is null");
    }

    public ClusterStateStore store() {
        return store;
    }

    /**
     * Creates a cluster: shared resources, the scheduler, then all workers at once; returns when
     * every worker is registered. If anything fails, everything created is removed again before
     * the exception is thrown.
     *
     * @param ownerPid pid of the program that stops the cluster when done, 0 for a detached cluster
     */
    public ClusterRecord up(String providerName, ClusterRequest request, long ownerPid) {
        return up(providerName, request, ownerPid, UpProgress.NONE);
    }

    /**
     * What {@link #up} would do for {@code request}, without doing it: the options are checked as
     * {@code up} checks them (a bad one fails the same way), then the provider describes its steps.
     * Calls no cloud API and writes nothing, not even the cluster's state directory.
     */
    public UpPlan plan(String providerName, ClusterRequest request) {
        CloudProvider provider = providers.require(providerName);
        ControllerSpecs.adapt(request.options());
        ClusterContext ctx = new ClusterContext(
                request.name(), ClusterNames.newId(), store.clusterDir(request.name()), request.options());
        provider.validate(ctx);
        return new UpPlan(provider.name(), request.name(), ctx.id(), provider.plan(ctx, request.workers()));
    }

    /**
     * As {@link #up(String, ClusterRequest, long)}, reporting each step to {@code progress}. With the
     * request option {@value #WAIT} = {@value #WAIT_PROVISIONED} it returns once the machines are
     * created (when the provider knows the scheduler's address at launch), without waiting for the
     * engine to answer.
     */
    public ClusterRecord up(String providerName, ClusterRequest request, long ownerPid, UpProgress progress) {
        CloudProvider provider = providers.require(providerName);
        long began = System.nanoTime();
        UpProgress report = (step, ignored) -> progress.step(step, (System.nanoTime() - began) / 1e9);
        ControllerSpecs.adapt(request.options()); // bad bounds fail before anything is created
        String name = request.name();
        Optional<ClusterRecord> existing = find(name);
        if (existing.isPresent()) {
            return reconcile(provider, existing.get(), request, report);
        }
        // A stale record (processes gone) was removed by find(); start from a clean directory.
        ClusterContext ctx = new ClusterContext(name, ClusterNames.newId(), store.clusterDir(name), request.options());
        provider.validate(ctx); // bad options fail before anything is created, and need no clean-up
        Instant deadline = Instant.now().plus(request.startTimeout());
        ClusterRecord record = new ClusterRecord(
                name,
                ctx.id(),
                provider.name(),
                null,
                null,
                System.currentTimeMillis(),
                request.nthreads(),
                request.memoryLimit() == null ? null : request.memoryLimit().toString(),
                Durations.format(request.deathTimeout()),
                Durations.format(request.idleTimeout()),
                1,
                List.of(),
                request.options(),
                ownerPid);
        List<Node> made = java.util.Collections.synchronizedList(new ArrayList<>());
        // Ctrl-C or a kill during up removes what up made, as a failure would.
        Thread abort = new Thread(
                () -> {
                    LOG.warn("{}: interrupted while starting; removing what was created", name);
                    teardown(provider, ctx, List.copyOf(made), Duration.ZERO);
                    store.delete(name);
                },
                "jcloud-up-abort-" + name);
        Runtime.getRuntime().addShutdownHook(abort);
        try {
            provider.bootstrap(ctx);
            report.step("shared resources (network, firewall, identity)", 0);
            EngineCommand schedulerCommand =
                    EngineCommand.scheduler().with("--idle-timeout", Durations.format(request.idleTimeout()));
            if (request.options().containsKey(NO_CLIENT_TIMEOUT)) {
                schedulerCommand = schedulerCommand.with(
                        "--no-client-timeout", request.options().get(NO_CLIENT_TIMEOUT));
            }
            Optional<String> spec = ControllerSpecs.forUp(provider, ctx, request);
            if (spec.isPresent()) {
                // The in-cluster controller: adaptive scaling, and removal of the cluster when idle.
                schedulerCommand = schedulerCommand.with("--cluster-spec", spec.get());
            }
            Node scheduler = provider.launch(
                            ctx,
                            new LaunchRequest(
                                    NodeRole.SCHEDULER,
                                    List.of(new LaunchRequest.NodeLaunch(
                                            ClusterNames.scheduler(name), schedulerCommand))))
                    .get(0);
            made.add(scheduler);
            record = record.withNodes(made);
            store.save(record); // from here on, any process can find and clean up this cluster

            long start = System.nanoTime();
            java.util.Optional<String> early = provider.schedulerAddressAtLaunch(ctx, scheduler);
            if (early.isPresent()) {
                // Workers boot while the scheduler does; their start-up, not its, sets the pace.
                record = launchWorkers(
                        provider,
                        ctx,
                        record.withEndpoint(new SchedulerEndpoint(early.get(), null)),
                        request.workers(),
                        made);
                store.save(record);
                report.step("scheduler and " + request.workers() + " workers launched", 0);
                if (WAIT_PROVISIONED.equals(request.options().get(WAIT))) {
                    return record;
                }
            } else {
                report.step("scheduler launched", 0);
            }
            SchedulerEndpoint endpoint = provider.awaitScheduler(ctx, scheduler, deadline);
            LOG.info("{}: scheduler listening at {} after {} ms", name, endpoint.scheduler(), millisSince(start));
            report.step("scheduler listening at " + endpoint.scheduler(), 0);
            record = record.withEndpoint(endpoint);
            if (early.isEmpty()) {
                record = launchWorkers(provider, ctx, record, request.workers(), made);
            }
            store.save(record);
            awaitWorkers(
                    provider,
                    ctx,
                    record,
                    List.copyOf(made.subList(1, made.size())),
                    request.workers(),
                    deadline,
                    report);
            LOG.info("{}: {} workers registered after {} ms", name, request.workers(), millisSince(start));
            return record;
        } catch (RuntimeException e) {
            if (Boolean.parseBoolean(request.options().get(KEEP_ON_FAILURE))) {
                // Kept for inspection: the record stays, so 'down' and 'gc' find everything.
                throw new ProvisionException(
                        e.getMessage() + "\n(kept what was created, as --keep-on-failure asks:"
                                + " remove it with 'jcloud cluster down " + name + "')",
                        e);
            }
            LOG.debug("up of {} failed, removing what was created", name, e);
            try {
                teardown(provider, ctx, List.copyOf(made), Duration.ZERO);
            } catch (RuntimeException cleanup) {
                // The user needs the cause of the failure; the clean-up problem rides along.
                e.addSuppressed(cleanup);
                LOG.warn(
                        "{}: removing what up created failed too ({}); 'jcloud cluster gc' finds what is left",
                        name,
                        cleanup.toString());
            }
            store.delete(name);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(abort);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook does the clean-up
            }
        }
    }

    /**
     * {@code up} of a cluster that exists: creates only what is missing — the shared resources
     * (the provider's bootstrap is idempotent) and workers up to the requested number.
     */
    private ClusterRecord reconcile(
            CloudProvider provider, ClusterRecord existing, ClusterRequest request, UpProgress report) {
        String name = existing.name();
        if (!existing.provider().equals(provider.name())) {
            throw new ProvisionException("cluster " + name + " already exists on " + existing.provider()
                    + ": choose another name or run 'jcloud cluster down " + name + "'");
        }
        if (existing.scheduler() == null) {
            throw new ProvisionException("cluster " + name + " is still starting: try again in a moment");
        }
        provider.bootstrap(context(existing));
        report.step("cluster " + name + " exists; shared resources checked", 0);
        if (existing.workers().size() < request.workers()) {
            ClusterRecord scaled = scale(name, request.workers(), request.startTimeout());
            report.step("workers " + scaled.workers().size() + "/" + request.workers(), 0);
            return scaled;
        }
        return existing;
    }

    /**
     * Sets the number of workers of cluster {@code name}: starts new ones (and waits until they are
     * registered) or retires surplus ones through the scheduler (and waits until they have stopped).
     */
    public ClusterRecord scale(String name, int workers, Duration timeout) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
        }
        ClusterRecord record = find(name)
                .orElseThrow(() ->
                        new ProvisionException("no cluster named " + name + " is running: see 'jcloud cluster list'"));
        if (record.scheduler() == null) {
            throw new ProvisionException("cluster " + name + " is still starting: try again in a moment");
        }
        CloudProvider provider = providers.require(record.provider());
        ClusterContext ctx = context(record);
        Instant deadline = Instant.now().plus(timeout);
        List<Node> current = record.workers();
        if (workers > current.size()) {
            List<Node> made = new ArrayList<>();
            try {
                record = launchWorkers(provider, ctx, record, workers - current.size(), made);
                store.save(record);
                awaitWorkers(provider, ctx, record, made, workers, deadline, UpProgress.NONE);
            } catch (RuntimeException e) {
                provider.terminate(ctx, made);
                store.save(record.withNodes(provider.nodes(ctx)));
                throw e;
            }
        } else if (workers < current.size()) {
            int surplus = current.size() - workers;
            // What the platform has not started yet goes first: it holds no results and costs nothing to give up.
            List<Node> waiting =
                    waitingWorkers(provider, ctx).stream().limit(surplus).toList();
            if (!waiting.isEmpty()) {
                LOG.info(
                        "{}: removing {} worker(s) the platform has not started: {}",
                        name,
                        waiting.size(),
                        waiting.stream().map(Node::name).toList());
                provider.terminate(ctx, waiting);
                surplus -= waiting.size();
            }
            List<String> retired = List.of();
            if (surplus > 0) {
                try (Client client = connect(record)) {
                    retired = client.retireWorkers(surplus);
                }
            }
            Set<String> names = new HashSet<>(retired);
            long start = System.nanoTime();
            List<Node> leaving = awaitGone(provider, ctx, n -> names.contains(n.name()), deadline);
            LOG.info("{}: retired workers {} exited after {} ms", name, retired, millisSince(start));
            if (!leaving.isEmpty()) {
                LOG.warn(
                        "workers {} did not stop after retiring; terminating them",
                        leaving.stream().map(Node::name).toList());
                provider.terminate(ctx, leaving);
            }
        }
        record = record.withNodes(provider.nodes(ctx));
        store.save(record);
        return record;
    }

    /**
     * Stops cluster {@code name}: asks the scheduler to shut everything down, waits up to
     * {@code grace} for the nodes to exit, terminates those left, deletes shared resources and
     * the state. Safe to call again, and for unknown names.
     */
    public DownResult down(String name, Duration grace) {
        ClusterNames.check(name);
        Optional<ClusterRecord> found = store.load(name);
        if (found.isEmpty()) {
            return DownResult.UNKNOWN;
        }
        ClusterRecord record = found.get();
        CloudProvider provider = providers.require(record.provider());
        ClusterContext ctx = context(record);
        List<Node> live = provider.nodes(ctx);
        if (live.isEmpty()) {
            provider.deleteSharedResources(ctx);
            store.delete(name);
            return DownResult.ALREADY_STOPPED;
        }
        if (record.scheduler() != null && live.stream().anyMatch(n -> n.role() == NodeRole.SCHEDULER)) {
            try (Client client =
                    clientBuilder(record).connectTimeout(Duration.ofSeconds(3)).connect()) {
                client.shutdownCluster();
            } catch (RuntimeException e) {
                LOG.debug("scheduler of {} did not take the shutdown request: {}", name, e.toString());
            }
        }
        long start = System.nanoTime();
        teardown(provider, ctx, live, grace);
        store.delete(name);
        LOG.info("{}: {} nodes stopped after {} ms", name, live.size(), millisSince(start));
        return DownResult.STOPPED;
    }

    /** The running clusters; records whose scheduler is gone are cleaned up and left out. */
    public List<ClusterRecord> list() {
        List<ClusterRecord> out = new ArrayList<>();
        for (ClusterRecord r : store.list()) {
            reconcile(r).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The running clusters of {@code providerName} found in the cloud with {@code options} (region,
     * project, ...), whether or not this machine created them; each found cluster is remembered
     * here, so that {@code status}, {@code scale} and {@code down} work on it like on a local one.
     * Without this machine's client certificate a TLS cluster cannot be connected to, but it can
     * be taken down.
     */
    public List<ClusterRecord> discover(String providerName, java.util.Map<String, String> options) {
        CloudProvider provider = providers.require(providerName);
        List<ClusterRecord> out = new ArrayList<>();
        for (ClusterContext found : provider.discover(options)) {
            if (!ClusterNames.isValid(found.name())) {
                LOG.warn(
                        "skipping a {} cluster tagged with an invalid name '{}' ({})",
                        providerName,
                        found.name(),
                        found.id());
                continue;
            }
            Optional<ClusterRecord> known = store.load(found.name()).filter(r -> r.id().equals(found.id()));
            if (known.isPresent()) {
                reconcile(known.get()).ifPresent(out::add);
                continue;
            }
            if (store.load(found.name()).isPresent()) {
                LOG.warn(
                        "a different cluster named {} is known on this machine; skipping {} ({})",
                        found.name(),
                        found.id(),
                        providerName);
                continue;
            }
            ClusterContext ctx =
                    new ClusterContext(found.name(), found.id(), store.clusterDir(found.name()), found.options());
            List<Node> nodes = provider.nodes(ctx);
            Node scheduler = nodes.stream()
                    .filter(n -> n.role() == NodeRole.SCHEDULER)
                    .findFirst()
                    .orElse(null);
            if (scheduler == null) {
                continue;
            }
            SchedulerEndpoint endpoint = null;
            try {
                endpoint = provider.awaitScheduler(ctx, scheduler, Instant.now().plusSeconds(3));
            } catch (RuntimeException e) {
                LOG.debug("scheduler of {} does not answer: {}", found.name(), e.toString());
            }
            ClusterRecord record = new ClusterRecord(
                    found.name(),
                    found.id(),
                    providerName,
                    endpoint == null ? null : endpoint.scheduler(),
                    endpoint == null ? null : endpoint.dashboard(),
                    System.currentTimeMillis(),
                    1,
                    null,
                    "60s",
                    "0",
                    nextWorkerIndex(found.name(), nodes),
                    nodes,
                    found.options(),
                    0);
            store.save(record);
            out.add(record);
        }
        return out;
    }

    /** The running cluster {@code name}, checked against its provider. */
    public Optional<ClusterRecord> find(String name) {
        return store.load(ClusterNames.check(name)).flatMap(this::reconcile);
    }

    /** A client of the cluster's scheduler. */
    public Client connect(ClusterRecord record) {
        if (record.scheduler() == null) {
            throw new ProvisionException("cluster " + record.name() + " has no scheduler address yet");
        }
        return clientBuilder(record).connectTimeout(Duration.ofSeconds(10)).connect();
    }

    /**
     * Changes the adaptive scaling of running cluster {@code name}: {@code MIN:MAX[:TARGET]} or
     * {@code off}, applied by its in-cluster controller from now on. Returns the controller's answer.
     */
    public String adapt(String name, String bounds) {
        ClusterRecord record = find(name)
                .orElseThrow(() ->
                        new ProvisionException("no cluster named " + name + " is running (see 'jcloud cluster list')"));
        try (Client client = connect(record)) {
            return client.configure("adapt", bounds);
        }
    }

    /** A client builder for {@code record}'s scheduler, with the cluster's client certificate when it uses TLS. */
    public Client.Builder clientBuilder(ClusterRecord record) {
        Client.Builder builder = Client.builder(record.scheduler());
        if (ClusterTrust.enabled(record.options())) {
            ClusterTrust.clientFiles(store.clusterDir(record.name()).resolve(ClusterTrust.DIRECTORY))
                    .applyTo(builder);
        }
        return builder;
    }

    /**
     * The dashboard's token of {@code record}'s cluster, if it has one (clusters with TLS do; a local
     * cluster without TLS serves its dashboard on loopback without one).
     */
    public Optional<String> dashboardToken(ClusterRecord record) {
        return ClusterTrust.enabled(record.options())
                ? DashboardLogin.read(store.clusterDir(record.name()).resolve(ClusterTrust.DIRECTORY))
                : Optional.empty();
    }

    /**
     * The address that opens {@code record}'s dashboard in a browser: with the cluster's token when
     * it has one (which signs the browser in), or null when the dashboard is off.
     */
    public String dashboardLink(ClusterRecord record) {
        if (record.dashboard() == null) {
            return null;
        }
        return dashboardToken(record)
                .map(t -> DashboardLogin.url(record.dashboard(), t))
                .orElse(dashboardUrl(record, "/"));
    }

    /**
     * {@code path} on {@code record}'s dashboard port: {@code https://} for a cluster with TLS (its
     * scheduler serves the dashboard with its own certificate), else {@code http://}.
     */
    public String dashboardUrl(ClusterRecord record, String path) {
        return (ClusterTrust.enabled(record.options()) ? "https://" : "http://") + record.dashboard() + path;
    }

    /**
     * A client for {@code record}'s dashboard port: for a cluster with TLS one that trusts only the
     * cluster's CA (send the {@link #dashboardToken} with it), else a plain one.
     */
    public java.net.http.HttpClient dashboardClient(ClusterRecord record, Duration connectTimeout) {
        return ClusterTrust.enabled(record.options())
                ? DashboardLogin.client(store.clusterDir(record.name()).resolve(ClusterTrust.DIRECTORY), connectTimeout)
                : java.net.http.HttpClient.newBuilder()
                        .connectTimeout(connectTimeout)
                        .build();
    }

    /** The context for working on {@code record}'s cluster. */
    public ClusterContext context(ClusterRecord record) {
        return record.context(store.clusterDir(record.name()));
    }

    private Optional<ClusterRecord> reconcile(ClusterRecord r) {
        CloudProvider provider;
        try {
            provider = providers.require(r.provider());
        } catch (ProviderUnavailableException e) {
            return Optional.of(r); // cannot check from this build; show what we know
        }
        ClusterContext ctx = context(r);
        List<Node> live = provider.nodes(ctx);
        if (live.stream().noneMatch(n -> n.role() == NodeRole.SCHEDULER)) {
            Duration age = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - r.createdAtMillis()));
            if (age.compareTo(provider.startingGrace()) < 0) {
                // Still starting (an up elsewhere, a scheduler the cloud does not list yet): never torn down
                // from here; once older than the grace without a scheduler, it is gone.
                LOG.debug(
                        "cluster {} shows no scheduler yet, {} s after its up began: still starting",
                        r.name(),
                        age.toSeconds());
                return Optional.of(r);
            }
            LOG.debug("cluster {} has no scheduler any more; removing it", r.name());
            teardown(provider, ctx, live, Duration.ZERO);
            store.delete(r.name());
            return Optional.empty();
        }
        ClusterRecord fresh = r.withNodes(live);
        if (!Set.copyOf(fresh.nodes()).equals(Set.copyOf(r.nodes()))) {
            store.save(fresh);
        }
        return Optional.of(fresh);
    }

    private ClusterRecord launchWorkers(
            CloudProvider provider, ClusterContext ctx, ClusterRecord record, int count, List<Node> made) {
        if (count == 0) {
            return record;
        }
        // Never below a worker some other process (the in-cluster controller) started meanwhile.
        int first = Math.max(record.nextWorkerIndex(), nextWorkerIndex(record.name(), provider.nodes(ctx)));
        int next = first + count;
        List<Node> started = provider.launch(
                ctx,
                workerLaunches(
                        record.name(),
                        record.scheduler(),
                        record.nthreads(),
                        record.memoryLimit(),
                        record.deathTimeout(),
                        first,
                        count));
        made.addAll(started);
        List<Node> nodes = new ArrayList<>(record.nodes());
        nodes.addAll(started);
        return record.withNodes(nodes).withNextWorkerIndex(next);
    }

    /**
     * The launch of {@code count} workers named from index {@code first}: the one place that
     * renders a worker's engine command (used by {@code up}, {@code scale} and the in-cluster
     * controller).
     */
    public static LaunchRequest workerLaunches(
            String cluster,
            String schedulerAddress,
            int nthreads,
            String memoryLimit,
            String deathTimeout,
            int first,
            int count) {
        List<LaunchRequest.NodeLaunch> launches = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            String workerName = ClusterNames.worker(cluster, i);
            EngineCommand command = EngineCommand.worker(schedulerAddress)
                    .with("--name", workerName)
                    .with("--nthreads", Integer.toString(nthreads))
                    .with("--death-timeout", deathTimeout);
            if (memoryLimit != null) {
                command = command.with("--memory-limit", memoryLimit);
            }
            launches.add(new LaunchRequest.NodeLaunch(workerName, command));
        }
        return new LaunchRequest(NodeRole.WORKER, launches);
    }

    /**
     * The cluster's workers the platform was asked for and has not started, newest first (the
     * ones furthest back in a queue): what shrinking removes before any running worker.
     */
    public static List<Node> waitingWorkers(CloudProvider provider, ClusterContext ctx) {
        String prefix = ClusterNames.worker(ctx.name(), 0);
        String stem = prefix.substring(0, prefix.length() - 1);
        java.util.function.ToIntFunction<Node> index = n -> {
            try {
                return n.name().startsWith(stem) ? Integer.parseInt(n.name().substring(stem.length())) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        };
        return provider.waitingNodes(ctx).stream()
                .map(WaitingNode::node)
                .filter(n -> n.role() == NodeRole.WORKER)
                .sorted(java.util.Comparator.comparingInt(index).reversed())
                .toList();
    }

    /** One more than the highest worker index among {@code nodes} (0 when there is none). */
    public static int nextWorkerIndex(String cluster, Collection<Node> nodes) {
        String prefix = ClusterNames.worker(cluster, 0);
        prefix = prefix.substring(0, prefix.length() - 1);
        int next = 0;
        for (Node n : nodes) {
            if (n.role() == NodeRole.WORKER && n.name().startsWith(prefix)) {
                try {
                    next = Math.max(next, Integer.parseInt(n.name().substring(prefix.length())) + 1);
                } catch (NumberFormatException e) {
                    // not one of our names
                }
            }
        }
        return next;
    }

    /**
     * Waits until the scheduler has {@code total} workers. Fails early, with the node's log, when
     * one of the {@code launched} nodes or the scheduler exits; fails at the deadline with the logs
     * of the scheduler and of a worker that has not registered.
     */
    private void awaitWorkers(
            CloudProvider provider,
            ClusterContext ctx,
            ClusterRecord record,
            List<Node> launched,
            int total,
            Instant deadline,
            UpProgress report) {
        int[] lastReported = {-1};
        Duration remaining = Duration.between(Instant.now(), deadline);
        try (Client client =
                clientBuilder(record).connectTimeout(positive(remaining)).connect()) {
            while (true) {
                remaining = Duration.between(Instant.now(), deadline);
                try {
                    client.waitForWorkers(total, min(positive(remaining), Duration.ofMillis(250)));
                    report.step("workers " + total + "/" + total, 0);
                    return;
                } catch (ClusterUnavailableException e) {
                    int now = registered(client);
                    if (now != lastReported[0]) {
                        lastReported[0] = now;
                        report.step("workers " + now + "/" + total, 0);
                    }
                    Set<String> alive =
                            provider.nodes(ctx).stream().map(Node::name).collect(Collectors.toSet());
                    for (Node n : launched) {
                        if (!alive.contains(n.name())) {
                            throw new ProvisionException(describe(n) + " exited before registering with the scheduler"
                                    + logOf(provider, ctx, n));
                        }
                    }
                    Node scheduler = record.nodes().stream()
                            .filter(n -> n.role() == NodeRole.SCHEDULER)
                            .findFirst()
                            .orElse(null);
                    if (scheduler != null && !alive.contains(scheduler.name())) {
                        throw new ProvisionException(
                                "the scheduler exited while workers were starting" + logOf(provider, ctx, scheduler));
                    }
                    if (!Instant.now().isBefore(deadline)) {
                        int registered = registered(client);
                        StringBuilder msg = new StringBuilder("only " + registered + " of " + total
                                + " workers registered with the scheduler at " + record.scheduler() + " in time");
                        if (scheduler != null) {
                            msg.append(logOf(provider, ctx, scheduler));
                        }
                        if (!launched.isEmpty()) {
                            msg.append(logOf(provider, ctx, launched.get(launched.size() - 1)));
                        }
                        throw new ProvisionException(msg.toString(), e);
                    }
                }
            }
        }
    }

    private static int registered(Client client) {
        try {
            return client.summary().workers().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Waits until no node matching {@code which} is alive; returns those still alive at the deadline. */
    private static List<Node> awaitGone(
            CloudProvider provider, ClusterContext ctx, java.util.function.Predicate<Node> which, Instant deadline) {
        while (true) {
            List<Node> left = provider.nodes(ctx).stream().filter(which).toList();
            if (left.isEmpty() || !Instant.now().isBefore(deadline)) {
                return left;
            }
            sleep(POLL);
        }
    }

    /** Waits up to {@code grace} for the nodes to exit on their own, then terminates the rest. */
    private static void teardown(CloudProvider provider, ClusterContext ctx, Collection<Node> known, Duration grace) {
        try {
            List<Node> left = awaitGone(provider, ctx, n -> true, Instant.now().plus(grace));
            Set<Node> all = new HashSet<>(left);
            // Nodes launched but not (yet) visible under the tag are terminated by id as well.
            all.addAll(known);
            if (!all.isEmpty()) {
                provider.terminate(ctx, all);
            }
        } finally {
            provider.deleteSharedResources(ctx);
        }
    }

    private static String describe(Node n) {
        return n.role().label() + " " + n.name() + " (" + n.id() + ")";
    }

    private static String logOf(CloudProvider provider, ClusterContext ctx, Node n) {
        String tail = provider.logTail(ctx, n, LOG_LINES);
        if (tail == null || tail.isBlank()) {
            return "; its log is empty";
        }
        return "; last lines of the " + n.name() + " log:\n"
                + tail.stripTrailing().indent(2).stripTrailing();
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private static Duration positive(Duration d) {
        return d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted", e);
        }
    }
}
