package dev.jcloud.engine.scheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a scheduler listens and when it gives up on an idle cluster.
 *
 * @param host            interface to bind; {@code 0.0.0.0} for all
 * @param port            engine (gRPC) port; 0 picks a free one
 * @param dashboardPort   HTTP port for the dashboard and {@code /metrics}; 0 picks one, -1 disables
 * @param idleTimeout     shut down after no task and no client for this long; zero = never
 * @param noClientTimeout shut down after no client for this long even with work queued; zero = never
 * @param addressFile     where to write the bound addresses once listening (JSON), or null
 * @param clusterSpec     the cluster this scheduler belongs to, for {@link SchedulerExtension}s
 *                        (opaque to the engine), or null
 * @param dashboardToken  what the dashboard and {@code /metrics} require, or null for an open port
 *                        (loopback-only local clusters)
 */
public record SchedulerOptions(
        String host,
        int port,
        int dashboardPort,
        Duration idleTimeout,
        Duration noClientTimeout,
        Path addressFile,
        String clusterSpec,
        DashboardToken dashboardToken) {

    public SchedulerOptions(
            String host,
            int port,
            int dashboardPort,
            Duration idleTimeout,
            Duration noClientTimeout,
            Path addressFile) {
        this(host, port, dashboardPort, idleTimeout, noClientTimeout, addressFile, null, null);
    }

    public SchedulerOptions {
        Objects.requireNonNull(host, "host is null");
        Objects.requireNonNull(idleTimeout, "idleTimeout is null");
        Objects.requireNonNull(noClientTimeout, "noClientTimeout is null");
    }

    /** Loopback only, free ports, no timeouts: what an embedded scheduler in tests wants. */
    public static SchedulerOptions loopback() {
        return new SchedulerOptions("127.0.0.1", 0, 0, Duration.ZERO, Duration.ZERO, null);
    }

    public SchedulerOptions withDashboardPort(int dashboardPort) {
        return new SchedulerOptions(
                host, port, dashboardPort, idleTimeout, noClientTimeout, addressFile, clusterSpec, dashboardToken);
    }

    public SchedulerOptions withIdleTimeout(Duration idleTimeout) {
        return new SchedulerOptions(
                host, port, dashboardPort, idleTimeout, noClientTimeout, addressFile, clusterSpec, dashboardToken);
    }

    public SchedulerOptions withClusterSpec(String clusterSpec) {
        return new SchedulerOptions(
                host, port, dashboardPort, idleTimeout, noClientTimeout, addressFile, clusterSpec, dashboardToken);
    }

    public SchedulerOptions withDashboardToken(DashboardToken dashboardToken) {
        return new SchedulerOptions(
                host, port, dashboardPort, idleTimeout, noClientTimeout, addressFile, clusterSpec, dashboardToken);
    }
}
