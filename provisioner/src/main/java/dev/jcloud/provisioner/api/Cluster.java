package dev.jcloud.provisioner.api;

import dev.jcloud.engine.api.Client;

/**
 * A running cluster: a scheduler and its workers, wherever they run (processes on this machine,
 * VMs, containers). Obtained from a provider's entry point, e.g. {@code LocalCluster.builder()...build()}.
 *
 * <pre>{@code
 * try (Cluster cluster = LocalCluster.builder().workers(4).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }
 * }</pre>
 *
 * <p>{@link #close()} tears the cluster down when this object started it ("owns" it); a handle
 * attached to a cluster started elsewhere only lets go of it.
 */
public interface Cluster extends AutoCloseable {

    /** The cluster's name, unique among the clusters of this user and provider. */
    String name();

    /** host:port of the scheduler, for {@link Client#connect(String)}. */
    String schedulerAddress();

    /** host:port of the dashboard and Prometheus {@code /metrics} endpoint, or null when disabled. */
    String dashboardAddress();

    /**
     * The address that opens the dashboard in a browser, like Dask's {@code dashboard_link}. With
     * TLS it is {@code https://} with the scheduler's certificate (a browser must trust the
     * cluster's {@code ca.pem}; {@code jcloud cluster dashboard NAME} forwards a loopback port
     * instead) and carries the cluster's dashboard token, which signs the browser in: treat it as
     * a secret. Null when the dashboard is off.
     */
    String dashboardLink();

    /** A new client connected to this cluster's scheduler; the caller closes it. */
    Client connect();

    /**
     * Changes the number of workers to {@code workers}: starts new ones and waits until they are
     * registered, or retires surplus ones gracefully (their results move first) and waits until
     * they have stopped.
     */
    void scale(int workers);

    /**
     * Adaptive scaling from now on: the cluster's in-cluster controller keeps between {@code min}
     * and {@code max} workers (a hard limit), aiming at {@code targetDuration} of queued work per
     * worker, and retires idle workers once their paid minimum is used up. Returns what the
     * controller answered.
     *
     * @throws IllegalArgumentException when the cluster runs no controller or the bounds are invalid
     */
    String adapt(int min, int max, java.time.Duration targetDuration);

    /**
     * Stops the scheduler and every worker and waits until they are gone, if this object owns the
     * cluster; otherwise only releases this handle. Idempotent.
     */
    @Override
    void close();
}
