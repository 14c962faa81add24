package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.internal.ScratchDirectories;
import dev.jcloud.engine.internal.logs.LogService;
import dev.jcloud.engine.internal.logs.RecentLogs;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.RetireRequest;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running scheduler: the gRPC endpoint for clients and workers, the event loop that owns all
 * state, and the HTTP endpoint for {@code /metrics}. Runs in-process (tests, {@code LocalCluster})
 * or as the {@code jcloud scheduler} process.
 */
public final class SchedulerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerServer.class);
    private static final long TICK_MILLIS = 100;
    private static final long HEARTBEAT_MILLIS = 1000;

    private final SchedulerOptions options;
    private final SchedulerCore core;
    private final EventLoop loop;
    private final ExecutorService io;
    private final Path blobDir;
    private final Server grpc;
    private final MetricsEndpoint metrics;
    /** What extensions publish through {@link SchedulerHandle#publish}; shown on the dashboard and /metrics. */
    private final PublishedGauges gauges = new PublishedGauges();

    private final String address;
    private final Set<StreamObserver<ClientUpdates>> clientStreams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final AtomicBoolean idleTeardownStarted = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final long pid = ProcessHandle.current().pid();
    /** Set once the scheduler listens; the loop may tick before that. */
    private volatile List<SchedulerExtension> extensions = List.of();

    private SchedulerServer(SchedulerOptions options, TransportSecurity security) throws IOException {
        this.options = options;
        this.core = new SchedulerCore(System::currentTimeMillis, HEARTBEAT_MILLIS);
        this.loop = new EventLoop("jcloud-scheduler", TICK_MILLIS, core::flush, this::tick);
        this.blobDir = Files.createTempDirectory("jcloud-blobs-");
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jcloud-scheduler-io");
            t.setDaemon(true);
            return t;
        });
        SchedulerService service = new SchedulerService(core, loop, new BlobStore(blobDir), io, this);
        RecentLogs.install();
        this.grpc = Transports.server(options.host(), options.port(), security, null, service, new LogService());
        this.address = Transports.address(options.host(), grpc);
        MetricsEndpoint m = null;
        try {
            m = options.dashboardPort() >= 0
                    ? MetricsEndpoint.start(
                            options.host(),
                            options.dashboardPort(),
                            gauges,
                            MetricsEndpoint.Settings.DEFAULTS,
                            options.dashboardToken(),
                            security.httpsServerContext())
                    : null;
        } catch (IOException e) {
            grpc.shutdownNow();
            throw e;
        }
        this.metrics = m;
        core.setAddresses(address, dashboardAddress());
        loop.start();
        if (options.addressFile() != null) {
            writeAddressFile(options.addressFile());
        }
        LOG.info("scheduler listening at {}{}", address, metrics == null ? "" : ", dashboard at " + dashboardUrl());
        this.extensions = options.clusterSpec() == null ? List.of() : startExtensions(options.clusterSpec());
    }

    private List<SchedulerExtension> startExtensions(String spec) {
        List<SchedulerExtension> active = new ArrayList<>();
        SchedulerHandle handle = new SchedulerHandle() {
            @Override
            public String address() {
                return address;
            }

            @Override
            public ClusterInfo info() {
                return onLoop(SchedulerServer.this::info);
            }

            @Override
            public List<String> retire(List<String> workerNames) {
                return onLoop(() -> core.retire(RetireRequest.newBuilder()
                        .addAllNames(workerNames)
                        .setKeepNeededData(true)
                        .build()));
            }

            @Override
            public void publish(String gauge, double value) {
                gauges.set(gauge, value);
            }

            @Override
            public void publish(String gauge, String worker, double value) {
                gauges.set(gauge, worker, value);
            }
        };
        for (SchedulerExtension e :
                ServiceLoader.load(SchedulerExtension.class, SchedulerServer.class.getClassLoader())) {
            try {
                if (e.start(handle, spec)) {
                    LOG.info("scheduler extension {} started", e.getClass().getName());
                    active.add(e);
                } else {
                    e.close();
                }
            } catch (RuntimeException ex) {
                // The scheduler still serves its clients; the cause is in its log.
                LOG.error("scheduler extension {} failed to start", e.getClass().getName(), ex);
            }
        }
        return List.copyOf(active);
    }

    /**
     * Hands a client's setting to the extensions; the first that knows the key answers.
     *
     * @throws IllegalArgumentException when no extension knows the key, or its value is invalid
     */
    String configure(String key, String value) {
        for (SchedulerExtension e : extensions) {
            String answer = e.configure(key, value);
            if (answer != null) {
                return answer;
            }
        }
        throw new IllegalArgumentException(
                extensions.isEmpty()
                        ? "this scheduler runs no controller (start the cluster with --adapt, or on a cloud provider)"
                        : "no scheduler extension knows the setting '" + key + "'");
    }

    /** Runs {@code work} on the event loop (which owns the state) and waits for its result. */
    private <T> T onLoop(java.util.function.Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.post(() -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the scheduler", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the scheduler did not answer: " + e, e);
        }
    }

    /** Starts a scheduler with plaintext transport (loopback clusters). */
    public static SchedulerServer start(SchedulerOptions options) throws IOException {
        return start(options, TransportSecurity.plaintext());
    }

    /** Starts a scheduler whose engine port uses {@code security}. */
    public static SchedulerServer start(SchedulerOptions options, TransportSecurity security) throws IOException {
        return new SchedulerServer(options, security);
    }

    /** host:port clients and workers connect to. */
    public String address() {
        return address;
    }

    /** host:port of the dashboard and {@code /metrics}, or null when disabled. */
    public String dashboardAddress() {
        return metrics == null ? null : Transports.hostFor(options.host()) + ":" + metrics.port();
    }

    /**
     * {@code https://host:port/} when the scheduler runs TLS (the dashboard then speaks HTTPS with the
     * scheduler's certificate), else {@code http://host:port/}; null when disabled.
     */
    public String dashboardUrl() {
        return metrics == null ? null : metrics.scheme() + "://" + dashboardAddress() + "/";
    }

    /** Blocks until the scheduler has shut down (by request, idle timeout or {@link #close()}). */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    @Override
    public void close() {
        shutdown("closed");
        try {
            terminated.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void tick() {
        core.tick();
        long now = System.currentTimeMillis();
        if (metrics != null) {
            long t0 = System.nanoTime();
            ClusterInfo info = info();
            // The dashboard's part is copied out here, on the loop, so HTTP threads never read
            // the core; the rate is the endpoint's, as of the previous tick.
            metrics.publish(
                    info,
                    core.meanSecondsByKind(),
                    core.dashboard(info, metrics.rate(), now),
                    now,
                    System.nanoTime() - t0);
        }
        long idleSince = core.idleSinceMillis();
        long idleTimeout = options.idleTimeout().toMillis();
        if (idleTimeout > 0 && idleSince > 0 && now - idleSince >= idleTimeout) {
            idleShutdown("idle for " + (now - idleSince) / 1000 + "s (idle timeout)");
        }
        long noClientSince = core.noClientSinceMillis();
        long noClientTimeout = options.noClientTimeout().toMillis();
        if (noClientTimeout > 0 && noClientSince > 0 && now - noClientSince >= noClientTimeout) {
            idleShutdown("no client for " + (now - noClientSince) / 1000 + "s (no-client timeout)");
        }
    }

    ClusterInfo info() {
        return core.info(pid, options.idleTimeout().toMillis());
    }

    void clientStreamOpened(StreamObserver<ClientUpdates> stream) {
        clientStreams.add(stream);
    }

    void clientStreamClosed(StreamObserver<ClientUpdates> stream) {
        clientStreams.remove(stream);
    }

    /**
     * Shuts down for being idle; extensions first get to remove the cluster's machines. That runs
     * on its own thread: the loop must keep answering them meanwhile.
     */
    private void idleShutdown(String reason) {
        if (extensions.isEmpty()) {
            shutdown(reason);
            return;
        }
        if (!idleTeardownStarted.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    for (SchedulerExtension e : extensions) {
                        try {
                            e.onIdleShutdown(reason);
                        } catch (RuntimeException ex) {
                            LOG.error(
                                    "scheduler extension {} failed at idle shutdown",
                                    e.getClass().getName(),
                                    ex);
                        }
                    }
                    shutdown(reason);
                },
                "jcloud-idle-teardown");
        t.start();
    }

    /** Tells workers to exit, ends client sessions, and stops; idempotent. */
    void shutdown(String reason) {
        if (!shuttingDown.compareAndSet(false, true)) {
            return;
        }
        LOG.info("scheduler shutting down: {}", reason);
        for (SchedulerExtension e : extensions) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                LOG.warn(
                        "scheduler extension {} failed to close: {}",
                        e.getClass().getName(),
                        ex.toString());
            }
        }
        loop.post(() -> {
            core.closeAll();
            core.flush();
            for (StreamObserver<ClientUpdates> stream : clientStreams) {
                try {
                    stream.onCompleted();
                } catch (RuntimeException ignored) {
                    // That client already left.
                }
            }
        });
        loop.stop();
        Thread stopper = new Thread(
                () -> {
                    try {
                        loop.awaitStopped(5000);
                        grpc.shutdown();
                        if (!grpc.awaitTermination(2, TimeUnit.SECONDS)) {
                            grpc.shutdownNow();
                        }
                    } catch (InterruptedException e) {
                        grpc.shutdownNow();
                    } finally {
                        if (metrics != null) {
                            metrics.stop();
                        }
                        io.shutdownNow();
                        ScratchDirectories.deleteQuietly(blobDir);
                        terminated.countDown();
                    }
                },
                "jcloud-scheduler-shutdown");
        stopper.start();
    }

    private void writeAddressFile(Path file) {
        String json = "{\"scheduler\":\"" + address + "\",\"dashboard\":"
                + (metrics == null ? "null" : "\"" + dashboardAddress() + "\"") + ",\"pid\":" + pid + "}\n";
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".address-", ".tmp");
            Files.writeString(temp, json, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the address file " + file, e);
        }
    }
}
