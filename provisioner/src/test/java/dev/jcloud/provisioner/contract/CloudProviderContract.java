package dev.jcloud.provisioner.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.DownResult;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.UpPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link CloudProvider} passes, in the spirit of Trino's
 * {@code BaseConnectorTest}: a provider's tests extend this class with the provider under test,
 * its options and its platform (real processes, an emulator or a fake), and inherit the tests.
 *
 * <p>The lifecycle is driven through the {@link Provisioner}, as {@code jcloud cluster up/scale/down}
 * drive it: up, up again (reconcile), scale up and down, down from a second state directory
 * (another machine), down twice, and a failed up that must leave nothing. The hard worker maximum
 * and gc are driven through the SPI, where they live. Every resource the platform holds after an
 * {@code up} must carry the cluster's tags ({@link #platformResources}), and none of the cluster's
 * may be left after its down. A dry-run plan must reach no platform API ({@link #platformRequests})
 * and write no file.
 *
 * <p>What a platform cannot do is declared in {@link #capabilities()}: a test of a capability the
 * provider lacks checks the SPI's default behaviour (nothing discovered, nothing collected) and is
 * then reported as aborted with the reason, never silently passed.
 *
 * <p>Where the platform's machines boot nothing (an emulator), {@link #nodesRunTheEngine()} says
 * so and the contract plays what the machines would run: a real scheduler and workers in this JVM
 * ({@link InProcessEngines}); every resource is still made, found and deleted by the provider.
 */
public abstract class CloudProviderContract {

    /** What a provider may lack; each is declared by {@link #capabilities()}. */
    protected enum Capability {
        /** {@link CloudProvider#discover}: another machine finds the cluster by its tags. */
        DISCOVERY,
        /** {@link CloudProvider#gc}: leftovers of clusters without a scheduler are found and deleted. */
        GC,
        /** A hard maximum of workers, refused where machines are created (see {@link #workerMaximum}). */
        WORKER_MAXIMUM
    }

    /** A scheduler address nothing listens on, for workers launched through the SPI alone. */
    protected static final String NO_SCHEDULER = "127.0.0.1:1";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration GRACE = Duration.ofSeconds(30);

    /** The test's own directory: state directories, the clusters' working directories. */
    @TempDir
    protected Path dir;

    private InProcessEngines engines;
    private final List<Provisioner> provisioners = new ArrayList<>();
    private final List<Runnable> cleanUps = new ArrayList<>();
    private int stores;

    // ------------------------------------------------------------------ what a subclass supplies

    /**
     * A new instance of the provider under test, as another process (another machine) would make
     * it: the contract calls it once per {@link Provisioner}. A provider whose platform lives in
     * the instance (an in-memory fake) may return the same instance each time.
     */
    protected abstract CloudProvider newProvider();

    /**
     * The options every cluster of the test is created with: region, project or subscription, the
     * emulator's endpoint, a fixed engine URL... Also what {@code discover} and {@code gc} are
     * given.
     */
    protected abstract Map<String, String> options();

    /** What the provider can do of the optional parts of the contract. */
    protected abstract Set<Capability> capabilities();

    /**
     * Whether the nodes the provider launches run the engine themselves (processes on this machine,
     * a real cloud) or boot nothing (an emulator), in which case the contract runs it for them.
     */
    protected abstract boolean nodesRunTheEngine();

    /**
     * Every resource of the kinds the provider makes per cluster that exists on the platform now,
     * listed <em>without</em> filtering by the cluster's tags (so an untagged one shows), each with
     * the cluster id its tags carry. Leave out what is not per cluster and exists before any
     * cluster (a default network, an account-wide engine cache).
     */
    protected abstract List<PlatformResource> platformResources();

    /**
     * Makes {@code node} of {@code cluster} vanish behind the provider's back, as a crash, an idle
     * teardown or a preemption does (terminate the instance through the emulator's API, kill the
     * process): the leftovers {@code gc} has to find. Needed with {@link Capability#GC}.
     */
    protected void crash(ClusterContext cluster, Node node) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " declares gc but cannot crash a node");
    }

    /**
     * How many requests (or connections) the platform or its emulator has received so far: a
     * dry-run plan must not change it. A platform of processes counts the processes started.
     */
    protected abstract long platformRequests();

    /**
     * The options that set the provider's hard worker maximum to {@code max} (e.g.
     * {@code aws.max-workers}). Needed with {@link Capability#WORKER_MAXIMUM}.
     */
    protected Map<String, String> workerMaximum(int max) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " declares a worker maximum but not the option that sets it");
    }

    // ------------------------------------------------------------------ fixture

    @BeforeEach
    final void startContract() {
        engines = nodesRunTheEngine() ? null : new InProcessEngines(dir.resolve("engines"));
    }

    @AfterEach
    final void cleanUpContract() {
        RuntimeException failure = null;
        for (Provisioner p : provisioners) {
            for (ClusterRecord r : p.store().list()) {
                try {
                    p.down(r.name(), Duration.ZERO);
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        for (Runnable r : cleanUps) {
            try {
                r.run();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (engines != null) {
            engines.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A provisioner of its own state directory ("another machine" for each call), over a new provider instance. */
    protected final Provisioner newProvisioner() {
        return newProvisioner(new ProviderUnderTest(newProvider(), engines));
    }

    private Provisioner newProvisioner(ProviderUnderTest provider) {
        Provisioner p =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state-" + stores++)));
        provisioners.add(p);
        return p;
    }

    /** A request for cluster {@code name} with {@code workers} one-thread workers and the test's options. */
    protected final ClusterRequest request(String name, int workers) {
        ClusterRequest r = ClusterRequest.named(name).withWorkers(workers).withStartTimeout(START_TIMEOUT);
        for (Map.Entry<String, String> e : options().entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        return r;
    }

    private String providerName() {
        return newProvider().name();
    }

    // ------------------------------------------------------------------ the contract

    /**
     * The capabilities a subclass declares are the ones the provider has: a provider that
     * implements {@code discover} or {@code gc} cannot skip their tests by leaving them out, and
     * one that declares them must implement them (the SPI's defaults find nothing).
     */
    @Test
    void declaredCapabilitiesAreTheImplementedOnes() throws NoSuchMethodException {
        Class<?> type = newProvider().getClass();
        assertThat(overrides(type, "discover", Map.class))
                .as("%s implements discover exactly when it declares DISCOVERY", type.getSimpleName())
                .isEqualTo(capabilities().contains(Capability.DISCOVERY));
        assertThat(overrides(type, "gc", Map.class, boolean.class, Duration.class))
                .as("%s implements gc exactly when it declares GC", type.getSimpleName())
                .isEqualTo(capabilities().contains(Capability.GC));
    }

    private static boolean overrides(Class<?> type, String method, Class<?>... parameters)
            throws NoSuchMethodException {
        return type.getMethod(method, parameters).getDeclaringClass() != CloudProvider.class;
    }

    @Test
    void upStartsATaggedClusterAndUpAgainCreatesNothingNew() {
        ProviderUnderTest provider = new ProviderUnderTest(newProvider(), engines);
        Provisioner provisioner = newProvisioner(provider);

        ClusterRecord record = provisioner.up(provider.name(), request("contract-up", 2), 0);

        assertThat(record.scheduler()).isNotNull();
        ClusterContext ctx = provisioner.context(record);
        List<Node> nodes = provider.nodes(ctx);
        assertThat(nodes)
                .filteredOn(n -> n.role() == NodeRole.SCHEDULER)
                .extracting(Node::name)
                .containsExactly(ClusterNames.scheduler("contract-up"));
        assertThat(nodes)
                .filteredOn(n -> n.role() == NodeRole.WORKER)
                .extracting(Node::name)
                .containsExactlyInAnyOrderElementsOf(
                        record.workers().stream().map(Node::name).toList())
                .hasSize(2)
                .allMatch(n -> n.startsWith("contract-up-worker-"));
        try (Client client = provisioner.connect(record)) {
            assertThat(client.summary().workers()).hasSize(2);
        }
        assertEverythingIsTaggedWith(record.id());

        int launches = provider.launches();
        List<PlatformResource> before = platformResources();
        ClusterRecord again = provisioner.up(provider.name(), request("contract-up", 2), 0);

        assertThat(again.id()).isEqualTo(record.id());
        assertThat(provider.launches()).as("launch calls of the second up").isEqualTo(launches);
        assertThat(platformResources()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(provider.nodes(ctx)).hasSize(3);
    }

    @Test
    void scalesUpAndDown() {
        ProviderUnderTest provider = new ProviderUnderTest(newProvider(), engines);
        Provisioner provisioner = newProvisioner(provider);
        ClusterRecord record = provisioner.up(provider.name(), request("contract-scale", 1), 0);
        ClusterContext ctx = provisioner.context(record);

        ClusterRecord up = provisioner.scale("contract-scale", 3, START_TIMEOUT);
        assertThat(up.workers()).hasSize(3);
        assertThat(workers(provider, ctx)).hasSize(3);
        try (Client client = provisioner.connect(up)) {
            assertThat(client.summary().workers()).hasSize(3);
        }
        assertEverythingIsTaggedWith(record.id());

        ClusterRecord down = provisioner.scale("contract-scale", 1, START_TIMEOUT);
        assertThat(down.workers()).hasSize(1);
        assertThat(workers(provider, ctx)).hasSize(1);
        try (Client client = provisioner.connect(down)) {
            assertThat(client.summary().workers()).hasSize(1);
        }
    }

    @Test
    void downRemovesEverythingAndIsIdempotent() {
        Provisioner provisioner = newProvisioner();
        ClusterRecord record = provisioner.up(providerName(), request("contract-down", 1), 0);

        assertThat(provisioner.down("contract-down", GRACE)).isEqualTo(DownResult.STOPPED);

        assertNothingLeftOf(record.id());
        assertThat(provisioner.down("contract-down", GRACE)).isEqualTo(DownResult.UNKNOWN);
        assertThat(provisioner.list()).isEmpty();
    }

    @Test
    void anotherMachineFindsTheClusterByItsTagsAndTakesItDown() {
        Provisioner first = newProvisioner();
        if (!capabilities().contains(Capability.DISCOVERY)) {
            assertThat(newProvider().discover(options())).isEmpty();
            Assumptions.abort(providerName() + " declares no discovery: another machine cannot find its clusters");
        }
        ClusterRecord record = first.up(providerName(), request("contract-other", 1), 0);
        Provisioner second = newProvisioner(); // a fresh state directory and provider instance

        assertThat(second.discover(providerName(), options()))
                .extracting(ClusterRecord::name, ClusterRecord::id)
                .contains(tuple("contract-other", record.id()));
        assertThat(second.down("contract-other", GRACE)).isEqualTo(DownResult.STOPPED);

        assertNothingLeftOf(record.id());
        assertThat(second.discover(providerName(), options()))
                .extracting(ClusterRecord::id)
                .doesNotContain(record.id());
        // The first machine still remembers the cluster: its down finds it gone and forgets it.
        assertThat(first.down("contract-other", GRACE)).isEqualTo(DownResult.ALREADY_STOPPED);
        assertThat(first.down("contract-other", GRACE)).isEqualTo(DownResult.UNKNOWN);
        assertThat(second.down("contract-other", GRACE)).isEqualTo(DownResult.UNKNOWN);
    }

    @Test
    void aFailedUpLeavesNothing() {
        ProviderUnderTest provider = new ProviderUnderTest(newProvider(), engines);
        Provisioner provisioner = newProvisioner(provider);
        // The workers' machines are made, then the launch fails: up must find and remove them by their tags.
        provider.failNextWorkerLaunch();

        assertThatThrownBy(() -> provisioner.up(provider.name(), request("contract-fail", 2), 0))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("failure injected");

        assertThat(provider.bootstrapped()).isNotEmpty();
        ClusterContext ctx = provider.bootstrapped().get(0);
        assertThat(provider.nodes(ctx)).isEmpty();
        assertNothingLeftOf(ctx.id());
        assertThat(provisioner.store().list()).isEmpty();
    }

    @Test
    void aRequestBeyondTheWorkerMaximumIsRefusedWhereMachinesAreCreated() {
        CloudProvider provider = newProvider();
        if (!capabilities().contains(Capability.WORKER_MAXIMUM)) {
            Assumptions.abort(provider.name() + " declares no hard worker maximum");
        }
        Map<String, String> capped = new HashMap<>(options());
        capped.putAll(workerMaximum(2));
        ClusterContext ctx = spiCluster(provider, "contract-max", capped);
        provider.bootstrap(ctx);
        provider.launch(ctx, TestLaunches.workers(ctx, NO_SCHEDULER, 0, 2));

        assertThatThrownBy(() -> provider.launch(ctx, TestLaunches.workers(ctx, NO_SCHEDULER, 2, 1)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("maximum of 2");

        assertThat(provider.nodes(ctx)).hasSize(2);
    }

    @Test
    void gcRemovesWhatADeadClusterLeftAndKeepsLiveClusters() {
        CloudProvider provider = newProvider();
        if (!capabilities().contains(Capability.GC)) {
            assertThat(provider.gc(options(), true, Duration.ZERO).items()).isEmpty();
            Assumptions.abort(provider.name() + " declares no gc: it cannot find leftovers of dead clusters");
        }
        ClusterContext live = spiCluster(provider, "contract-live", options());
        provider.bootstrap(live);
        provider.launch(live, TestLaunches.scheduler(live));
        provider.launch(live, TestLaunches.workers(live, NO_SCHEDULER, 0, 1));
        ClusterContext dead = spiCluster(provider, "contract-dead", options());
        provider.bootstrap(dead);
        Node deadScheduler = provider.launch(dead, TestLaunches.scheduler(dead)).get(0);
        provider.launch(dead, TestLaunches.workers(dead, NO_SCHEDULER, 0, 1));
        crash(dead, deadScheduler);
        // A crashed node may still be listed (a stopped VM that still bills): the count, whatever it is, stays.
        int deadNodes = provider.nodes(dead).size();

        GcReport dry = provider.gc(options(), true, Duration.ZERO);
        assertThat(dry.deleted()).isFalse();
        assertThat(dry.clusterIds()).containsExactly(dead.id());
        assertThat(provider.nodes(dead)).as("a dry run deletes nothing").hasSize(deadNodes);
        assertThat(provider.gc(options(), true, Duration.ofHours(1)).items())
                .as("too young to be sure")
                .isEmpty();

        GcReport done = provider.gc(options(), false, Duration.ZERO);

        assertThat(done.deleted()).isTrue();
        assertThat(done.clusterIds()).containsExactly(dead.id());
        assertThat(provider.nodes(dead)).isEmpty();
        assertNothingLeftOf(dead.id());
        assertThat(provider.nodes(live)).hasSize(2);
        assertThat(platformResources()).anyMatch(r -> r.clusterId().equals(Optional.of(live.id())));
        assertThat(provider.gc(options(), true, Duration.ZERO).items()).isEmpty();
    }

    @Test
    void aDryRunPlanReachesNoPlatformAndWritesNothing() {
        Provisioner provisioner = newProvisioner();
        long before = platformRequests();

        UpPlan plan = provisioner.plan(providerName(), request("contract-plan", 3));

        assertThat(plan.steps()).isNotEmpty();
        assertThat(plan.steps()).anyMatch(s -> s.action().equals("launch"));
        assertThat(platformRequests()).as("platform requests during the plan").isEqualTo(before);
        assertThat(provisioner.store().stateDir()).doesNotExist();
        assertThat(platformResources()).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** A cluster context for driving the SPI directly, cleaned up after the test. */
    private ClusterContext spiCluster(CloudProvider provider, String name, Map<String, String> options) {
        ClusterContext ctx = new ClusterContext(
                name, ClusterNames.newId(), dir.resolve("spi").resolve(name), options);
        cleanUps.add(() -> {
            List<Node> left = provider.nodes(ctx);
            if (!left.isEmpty()) {
                provider.terminate(ctx, left);
            }
            provider.deleteSharedResources(ctx);
        });
        try {
            Files.createDirectories(ctx.workDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ctx;
    }

    private static List<Node> workers(CloudProvider provider, ClusterContext ctx) {
        return provider.nodes(ctx).stream()
                .filter(n -> n.role() == NodeRole.WORKER)
                .toList();
    }

    /** Every resource on the platform carries a cluster id, and some carry {@code clusterId}. */
    private void assertEverythingIsTaggedWith(String clusterId) {
        List<PlatformResource> resources = platformResources();
        assertThat(resources).as("resources of cluster " + clusterId).anyMatch(ofCluster(clusterId));
        assertThat(resources)
                .as("every resource the provider made carries the cluster's tags")
                .allMatch(ofCluster(clusterId));
    }

    private void assertNothingLeftOf(String clusterId) {
        assertThat(platformResources())
                .as("resources left of cluster " + clusterId)
                .noneMatch(ofCluster(clusterId));
    }

    private static Predicate<PlatformResource> ofCluster(String clusterId) {
        return r -> r.clusterId().filter(clusterId::equals).isPresent();
    }
}
