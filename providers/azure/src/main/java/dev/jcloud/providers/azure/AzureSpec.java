package dev.jcloud.providers.azure;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.ModuleSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
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
        return (AzureSpec)
                new AzureTerraformExport().spec(FixedCluster.of(name, workers), Map.of(), Optional.of(engine));
    }

    @Override
    public String templates() {
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

    @Override
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("subscription_id", Hcl.string(subscription.orElse("")));
        values.put("location", Hcl.string(location));
        values.put("scheduler_size", Hcl.string(schedulerSize));
        values.put("worker_size", Hcl.string(workerSize));
        values.put("spot", Boolean.toString(spot));
        return values;
    }

    /** The boot scripts, which read the join token {@code main.tf} stores in Key Vault. */
    @Override
    public Map<String, String> files() {
        Consumer<BootScript.Builder> token = joinToken(cluster);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("boot/scheduler.sh", BootScripts.scheduler(cluster, engine, token));
        files.put("boot/worker.sh", BootScripts.worker(cluster, engine, token));
        return files;
    }

    /**
     * {@code https://jcloud-<cluster id>.vault.azure.net/}: the Key Vault {@code main.tf} creates
     * ({@code name = "jcloud-${var.cluster_id}"}), in Azure's public cloud.
     */
    static String vaultUrl(FixedCluster cluster) {
        return "https://jcloud-" + cluster.clusterId() + ".vault.azure.net/";
    }

    /**
     * A machine reads secret {@code join-token} of the cluster's vault (the one {@code main.tf}
     * creates, readable only by the machines' identity) with {@link KeyVaultFiles} from the engine
     * bundle, as its only managed identity (the scheduler VM and the scale set carry the one
     * user-assigned identity and no system-assigned one; the module's identity's id is not known
     * at export).
     */
    static Consumer<BootScript.Builder> joinToken(FixedCluster cluster) {
        List<String> args = List.of(KeyVaultFiles.ONLY_IDENTITY, vaultUrl(cluster), BootScripts.JOIN_TOKEN_FILE);
        return b -> b.joinToken(BootStep.engineMain(KeyVaultFiles.class.getName(), args), BootScripts.JOIN_TOKEN_FILE);
    }
}
