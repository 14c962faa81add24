package dev.jcloud.provisioner.contract;

import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the machines of an emulated platform would run once booted: a real scheduler and real
 * workers of the engine, in this JVM on loopback, one per node the provider launched.
 *
 * <p>An emulator (moto, the fakes of Compute Engine and Azure Resource Manager) creates machines
 * that boot nothing, so without this the {@code Provisioner} would wait for a scheduler that never
 * listens. The provider's own code still creates, finds, tags and deletes every machine; only what
 * runs <em>on</em> a machine is played here. As a machine's boot script does, a node whose engine
 * exits (a retired worker, a scheduler told to shut down) is terminated through the provider, the
 * next time its nodes are listed.
 */
final class InProcessEngines implements AutoCloseable {

    private static final long WORKER_MEMORY = 256L << 20;

    private final Map<String, Engine> byNodeId = new ConcurrentHashMap<>();
    private final Path dir;

    InProcessEngines(Path dir) {
        this.dir = dir;
    }

    /** Starts the engine of each of {@code nodes}, launched for {@code request}. */
    void start(ClusterContext cluster, LaunchRequest request, List<Node> nodes) {
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            LaunchRequest.NodeLaunch launch = request.nodes().get(i);
            try {
                byNodeId.put(node.id(), start(cluster, node, launch));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the engine of " + node.name() + ": " + e.getMessage(), e);
            }
        }
    }

    private Engine start(ClusterContext cluster, Node node, LaunchRequest.NodeLaunch launch) throws IOException {
        if (node.role() == NodeRole.SCHEDULER) {
            SchedulerServer scheduler = SchedulerServer.start(SchedulerOptions.loopback());
            Engine engine = new Engine(cluster, node, scheduler, null);
            watch(engine, () -> scheduler.awaitTermination());
            return engine;
        }
        // worker ADDRESS --name N --nthreads T ...: the address is the one the scheduler was found at.
        String address = launch.command().arguments().get(1);
        String nthreads = launch.command().option("--nthreads");
        Path local = Files.createDirectories(
                dir.resolve(node.name() + "-" + Math.abs(node.id().hashCode())));
        WorkerServer worker = WorkerServer.start(WorkerOptions.local(address, launch.name(), local)
                .nthreads(nthreads == null ? 1 : Integer.parseInt(nthreads))
                .memoryLimit(WORKER_MEMORY)
                .deathTimeout(Duration.ofSeconds(60))
                .build());
        Engine engine = new Engine(cluster, node, null, worker);
        watch(engine, worker::awaitExit);
        return engine;
    }

    /** Where the scheduler of node {@code scheduler} listens, if its engine runs. */
    Optional<SchedulerEndpoint> endpoint(Node scheduler) {
        Engine e = byNodeId.get(scheduler.id());
        if (e == null || e.scheduler == null || e.exited) {
            return Optional.empty();
        }
        return Optional.of(new SchedulerEndpoint(e.scheduler.address(), e.scheduler.dashboardAddress()));
    }

    /** The nodes of {@code cluster} whose engine has exited and whose machine has not been powered off yet. */
    List<Node> exitedNotPoweredOff(ClusterContext cluster) {
        List<Node> out = new ArrayList<>();
        for (Engine e : byNodeId.values()) {
            if (e.exited && !e.poweredOff && e.cluster.id().equals(cluster.id())) {
                out.add(e.node);
            }
        }
        return out;
    }

    /** Records that the machines of {@code nodes} are gone (their engines stop with them). */
    void poweredOff(Collection<Node> nodes) {
        for (Node n : nodes) {
            Engine e = byNodeId.get(n.id());
            if (e != null) {
                e.poweredOff = true;
                e.stop();
            }
        }
    }

    @Override
    public void close() {
        byNodeId.values().forEach(Engine::stop);
        byNodeId.clear();
    }

    private static void watch(Engine engine, Waiter waiter) {
        Thread t = new Thread(
                () -> {
                    try {
                        waiter.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        engine.exited = true;
                    }
                },
                "contract-engine-" + engine.node.name());
        t.setDaemon(true);
        t.start();
    }

    @FunctionalInterface
    private interface Waiter {
        void await() throws InterruptedException;
    }

    private static final class Engine {
        final ClusterContext cluster;
        final Node node;
        final SchedulerServer scheduler;
        final WorkerServer worker;
        volatile boolean exited;
        volatile boolean poweredOff;

        Engine(ClusterContext cluster, Node node, SchedulerServer scheduler, WorkerServer worker) {
            this.cluster = cluster;
            this.node = node;
            this.scheduler = scheduler;
            this.worker = worker;
        }

        void stop() {
            try {
                if (worker != null) {
                    worker.close();
                }
                if (scheduler != null) {
                    scheduler.close();
                }
            } catch (RuntimeException e) {
                throw new ProvisionException("cannot stop the engine of " + node.name() + ": " + e, e);
            }
        }
    }
}
