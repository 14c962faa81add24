package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

/**
 * Where a cluster's scheduler listens.
 *
 * @param scheduler host:port of the engine (gRPC) endpoint
 * @param dashboard host:port of the dashboard and {@code /metrics}, or null when disabled
 */
public record SchedulerEndpoint(String scheduler, String dashboard) {

    public SchedulerEndpoint {
        requireNonNull(scheduler, "scheduler is null");
    }
}
