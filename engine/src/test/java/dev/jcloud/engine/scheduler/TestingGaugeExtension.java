package dev.jcloud.engine.scheduler;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A scheduler extension standing in for the in-cluster controller: it publishes what the
 * controller will (cost, adaptive target) through {@link SchedulerHandle#publish}. Active only
 * for the spec {@link #SPEC}, so it is inert in every other scheduler that finds it.
 */
public final class TestingGaugeExtension implements SchedulerExtension {

    public static final String SPEC = "test:published-gauges";
    /** The handle of the active instance, for the test to publish more. */
    public static final AtomicReference<SchedulerHandle> HANDLE = new AtomicReference<>();

    private SchedulerHandle handle;

    @Override
    public boolean start(SchedulerHandle scheduler, String clusterSpec) {
        if (!SPEC.equals(clusterSpec)) {
            return false;
        }
        scheduler.publish("adaptive_target_workers", 3);
        scheduler.publish("cost_dollars_total", 1.25);
        scheduler.publish("cost_dollars_per_hour", 0.192);
        this.handle = scheduler;
        HANDLE.set(scheduler);
        return true;
    }

    @Override
    public void close() {
        // Inert instances (other schedulers in this JVM) are closed too: only the active one clears.
        if (handle != null) {
            HANDLE.compareAndSet(handle, null);
        }
    }
}
