package dev.jcloud.provisioner.contract;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.UpPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The provider under test as the contract hands it to a {@code Provisioner}: every call goes to
 * the provider; on the way the contract counts launches, remembers the clusters it was asked to
 * bootstrap, can make one worker launch fail after the provider has made the machines, and, on an
 * emulated platform, runs the engine the machines would boot ({@link InProcessEngines}).
 */
final class ProviderUnderTest implements CloudProvider {

    private final CloudProvider delegate;
    private final InProcessEngines engines; // null: the provider's nodes run the engine themselves
    private final AtomicInteger launches = new AtomicInteger();
    private final AtomicBoolean failNextWorkerLaunch = new AtomicBoolean();
    private final List<ClusterContext> bootstrapped = new CopyOnWriteArrayList<>();

    ProviderUnderTest(CloudProvider delegate, InProcessEngines engines) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.engines = engines;
    }

    /** Calls of {@link #launch} so far. */
    int launches() {
        return launches.get();
    }

    /** The clusters {@link #bootstrap} was called for, in order. */
    List<ClusterContext> bootstrapped() {
        return List.copyOf(bootstrapped);
    }

    /** The next launch of workers makes its machines and then fails, as a launch that fails half way does. */
    void failNextWorkerLaunch() {
        failNextWorkerLaunch.set(true);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void validate(ClusterContext cluster) {
        delegate.validate(cluster);
    }

    @Override
    public List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return delegate.plan(cluster, workers);
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        bootstrapped.add(cluster);
        delegate.bootstrap(cluster);
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        launches.incrementAndGet();
        List<Node> made = delegate.launch(cluster, request);
        if (engines != null) {
            engines.start(cluster, request, made);
        }
        if (request.role() == NodeRole.WORKER && failNextWorkerLaunch.getAndSet(false)) {
            throw new ProvisionException(
                    "failure injected by the contract test after " + made.size() + " worker(s) were launched");
        }
        return made;
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        if (engines == null) {
            return delegate.awaitScheduler(cluster, scheduler, deadline);
        }
        return engines.endpoint(scheduler)
                .orElseThrow(() -> new ProvisionException("the scheduler " + scheduler.name() + " (" + scheduler.id()
                        + ") runs no engine in this test (started by another test, or stopped)"));
    }

    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        // In-process engines listen where they were started, known once the scheduler runs.
        return engines == null ? delegate.schedulerAddressAtLaunch(cluster, scheduler) : Optional.empty();
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        if (engines != null) {
            // A machine whose engine exited powers itself off (the boot script's last step).
            List<Node> exited = engines.exitedNotPoweredOff(cluster);
            if (!exited.isEmpty()) {
                delegate.terminate(cluster, exited);
                engines.poweredOff(exited);
            }
        }
        return delegate.nodes(cluster);
    }

    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        if (engines != null) {
            engines.poweredOff(nodes);
        }
        delegate.terminate(cluster, nodes);
    }

    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        delegate.deleteSharedResources(cluster);
    }

    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        delegate.teardownFromScheduler(cluster);
    }

    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        return delegate.discover(options);
    }

    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        return delegate.gc(options, dryRun, minAge);
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        return delegate.logTail(cluster, node, lines);
    }

    @Override
    public Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        return delegate.logs(cluster, node, follow);
    }
}
