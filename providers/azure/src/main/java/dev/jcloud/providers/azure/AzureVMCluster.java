package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;
import java.util.Map;

/**
 * A cluster on Azure virtual machines: a scheduler VM and N worker VMs in a resource group of their
 * own, running the engine this program uses.
 *
 * <pre>{@code
 * try (AzureVMCluster cluster = AzureVMCluster.builder()
 *         .subscription("00000000-0000-0000-0000-000000000000").location("eastus").workers(10)
 *         .vmSize("Standard_D4s_v5").spot(true)
 *         .engine(engineUrl, engineSha256)
 *         .build();
 *      Client client = cluster.connect()) {
 *     ...
 * }   // close() deletes the cluster's resource group, with every VM, disk and address in it
 * }</pre>
 *
 * <p>Credentials come from azure-identity's {@code DefaultAzureCredential} (environment variables,
 * managed identity, Azure CLI login, ...). The scheduler and dashboard ports are reachable only from
 * {@link Builder#allowFrom} (default: this machine's public address). See {@link AzureOptions} for
 * every setting; {@link Builder#option} passes any of them by key.
 */
public final class AzureVMCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(15);

    private AzureVMCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Settings for a new cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Settings of an {@link AzureVMCluster}; {@link #build()} creates it. Defaults ({@link Defaults#remote}): name
     * {@code azure-xxxx}, 4 worker VMs of 1 task thread, memory per worker the JVM's default on the VM, idle timeout
     * 20m (the cluster deletes itself after no tasks and no clients this long; zero = never), death timeout 60s, start
     * timeout 15m (Azure creates a VM with its disk, address and identity in more steps than the other clouds), state
     * in the user's jcloud state directory.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, AzureProvider> {

        private Builder() {
            super(Defaults.remote("azure").withStartTimeout(Duration.ofMinutes(15)));
        }

        /** The subscription id to create the cluster in (required). */
        public Builder subscription(String subscription) {
            return option(AzureOptions.SUBSCRIPTION, subscription);
        }

        /** The Azure location, e.g. {@code eastus} (default). */
        public Builder location(String location) {
            return option(AzureOptions.LOCATION, location);
        }

        /** The workers' VM size (default {@value AzureSettings#DEFAULT_WORKER_SIZE}). */
        public Builder vmSize(String vmSize) {
            return option(AzureOptions.VM_SIZE, vmSize);
        }

        /** The scheduler's VM size (default {@value AzureSettings#DEFAULT_SCHEDULER_SIZE}). */
        public Builder schedulerVmSize(String vmSize) {
            return option(AzureOptions.SCHEDULER_VM_SIZE, vmSize);
        }

        /** Spot workers, deleted on eviction, started on demand when Azure has no Spot capacity. */
        public Builder spot(boolean spot) {
            return option(AzureOptions.SPOT, Boolean.toString(spot));
        }

        /** Comma-separated CIDRs that may reach the scheduler and dashboard (default: this machine's address). */
        public Builder allowFrom(String cidrs) {
            return option(AzureOptions.ALLOW_FROM, cidrs);
        }

        /** Where VMs download the engine ({@code https}) and the SHA-256 it must have. */
        public Builder engine(String url, String sha256) {
            option(AzureOptions.ENGINE_URL, url);
            return option(AzureOptions.ENGINE_SHA256, sha256);
        }

        /** The most workers the cluster may ever have, enforced where VMs are created (default 1000). */
        public Builder maxWorkers(int maxWorkers) {
            return option(AzureOptions.MAX_WORKERS, Integer.toString(maxWorkers));
        }

        /** A tag on every resource of the cluster. */
        public Builder tag(String name, String value) {
            return option(AzureOptions.TAG_PREFIX + name, value);
        }

        /** Any {@link AzureOptions} setting by its key, e.g. {@code azure.image}. */
        @Override
        public Builder option(String key, String value) {
            if (!key.startsWith("azure.")) {
                throw new IllegalArgumentException("Azure options start with 'azure.': " + key);
            }
            return super.option(key, value);
        }

        /** The provider to use (tests: one talking to a fake Resource Manager). */
        Builder provider(AzureProvider provider) {
            return useProvider(provider);
        }

        /** The options as the provider will read them, validated (nothing is sent to Azure). */
        Map<String, String> options() {
            AzureProvider.engineArtifact(AzureOptions.of(providerOptions()));
            return Map.copyOf(providerOptions());
        }

        /**
         * Creates the cluster and returns once every worker is registered. Settings are checked
         * before anything is sent to Azure; if creation fails, everything created is deleted again.
         */
        public AzureVMCluster build() {
            Started s = start(new AzureProvider());
            return new AzureVMCluster(s.provisioner(), s.record(), owned());
        }
    }
}
