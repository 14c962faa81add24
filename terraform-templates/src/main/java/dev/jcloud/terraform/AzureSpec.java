package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.boot.EngineArtifact;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What to export for Azure VMs.
 *
 * @param cluster       name, id, size, allow-from, tags
 * @param subscription  the subscription id, or empty for the provider's default ({@code ARM_SUBSCRIPTION_ID})
 * @param location      the Azure region, e.g. {@code eastus}
 * @param schedulerSize the scheduler's VM size
 * @param workerSize    the workers' VM size
 * @param spot          run workers at Spot priority (evicted VMs are deleted)
 * @param engine        where machines download the engine and its SHA-256
 */
public record AzureSpec(
        FixedCluster cluster,
        Optional<String> subscription,
        String location,
        String schedulerSize,
        String workerSize,
        boolean spot,
        EngineArtifact engine)
        implements ModuleSpec {

    public AzureSpec {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(subscription, "subscription is null");
        requireNonNull(location, "location is null");
        requireNonNull(schedulerSize, "schedulerSize is null");
        requireNonNull(workerSize, "workerSize is null");
        requireNonNull(engine, "engine is null");
    }

    /** The defaults of the {@code azure} settings: eastus, Standard_D4s_v5, regular priority. */
    public static AzureSpec of(String name, int workers, EngineArtifact engine) {
        return new AzureSpec(
                FixedCluster.of(name, workers),
                Optional.empty(),
                "eastus",
                "Standard_D4s_v5",
                "Standard_D4s_v5",
                false,
                engine);
    }

    @Override
    public String provider() {
        return "azure";
    }

    @Override
    public String where() {
        return location;
    }

    public AzureSpec withCluster(UnaryOperator<FixedCluster> change) {
        return new AzureSpec(change.apply(cluster), subscription, location, schedulerSize, workerSize, spot, engine);
    }

    public AzureSpec withSubscription(String s) {
        return new AzureSpec(cluster, Optional.of(s), location, schedulerSize, workerSize, spot, engine);
    }

    public AzureSpec withLocation(String l) {
        return new AzureSpec(cluster, subscription, l, schedulerSize, workerSize, spot, engine);
    }

    public AzureSpec withSizes(String scheduler, String worker) {
        return new AzureSpec(cluster, subscription, location, scheduler, worker, spot, engine);
    }

    public AzureSpec withSpot(boolean s) {
        return new AzureSpec(cluster, subscription, location, schedulerSize, workerSize, s, engine);
    }
}
