package dev.jcloud.providers.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.keyvault.fluent.models.DeletedVaultInner;
import com.azure.resourcemanager.keyvault.fluent.models.VaultAccessPolicyParametersInner;
import com.azure.resourcemanager.keyvault.fluent.models.VaultInner;
import com.azure.resourcemanager.keyvault.models.AccessPolicyEntry;
import com.azure.resourcemanager.keyvault.models.AccessPolicyUpdateKind;
import com.azure.resourcemanager.keyvault.models.Permissions;
import com.azure.resourcemanager.keyvault.models.SecretPermissions;
import com.azure.resourcemanager.keyvault.models.Sku;
import com.azure.resourcemanager.keyvault.models.SkuFamily;
import com.azure.resourcemanager.keyvault.models.SkuName;
import com.azure.resourcemanager.keyvault.models.VaultAccessPolicyProperties;
import com.azure.resourcemanager.keyvault.models.VaultCreateOrUpdateParameters;
import com.azure.resourcemanager.keyvault.models.VaultProperties;
import com.azure.security.keyvault.secrets.SecretClient;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS material a cluster's machines need, kept where only they can read it: two Key Vaults in
 * the cluster's resource group (so deleting the group deletes them), one per role.
 * {@code jcloud-<id>-s} holds the CA certificate, the scheduler's certificate and key and, when the
 * cluster has one, the dashboard token; only the controller identity (on the scheduler VM) may
 * {@code get} its secrets. {@code jcloud-<id>-w} holds the CA certificate and the certificate and
 * key the workers share; only the workers' identity ({@link WorkerIdentity}) may {@code get} them.
 * Two vaults because access policies are per vault: a worker can then never read the scheduler's
 * key or the dashboard token. The CA's key and the client's key never leave the user's machine.
 *
 * <p>The user's own identity gets {@code set} on each vault only while the secrets are written and
 * is removed from the access policies afterwards. Nothing of the material appears in custom data,
 * tags or logs: the boot script fetches it with {@link KeyVaultFiles} at boot.
 *
 * <p>Vaults are soft-deleted when their group goes (Azure no longer lets soft delete be turned off);
 * they are created with the shortest retention, 7 days, without purge protection, and
 * {@link #purgeDeleted} purges them after the group is deleted. Purging needs
 * {@code Microsoft.KeyVault/locations/deletedVaults/purge/action} on the subscription (Contributor
 * has it): an identity without it (the in-cluster controller, whose role is scoped to the group)
 * leaves them soft-deleted until Azure purges them at the end of the retention.
 */
final class ClusterVaults {

    static final List<String> SCHEDULER_FILES = List.of("ca.pem", "scheduler.pem", "scheduler-key.pem");
    static final List<String> WORKER_FILES = List.of("ca.pem", "worker.pem", "worker-key.pem");
    /** Written by the CLI into the TLS directory when the dashboard is protected; only the scheduler gets it. */
    static final String DASHBOARD_TOKEN = DashboardLogin.FILE;
    /** Azure's minimum soft-delete retention. */
    static final int RETENTION_DAYS = 7;
    /** Key Vault names: 3-24 characters, letters, digits and single hyphens, a letter first, no hyphen last. */
    private static final Pattern VAULT_NAME = Pattern.compile("(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]");
    /** A new vault's DNS name and access policies take a moment to reach the data plane. */
    private static final Duration PROPAGATION = Duration.ofSeconds(90);

    private static final Logger LOG = LoggerFactory.getLogger(ClusterVaults.class);

    private final AzureClients azure;

    ClusterVaults(AzureClients azure) {
        this.azure = azure;
    }

    /** {@code jcloud-<id>-s} or {@code jcloud-<id>-w}; fails if the cluster id makes an invalid vault name. */
    static String vaultName(ClusterContext cluster, NodeRole role) {
        return vaultName(cluster.id(), role);
    }

    static String vaultName(String clusterId, NodeRole role) {
        String name = "jcloud-" + clusterId + (role == NodeRole.SCHEDULER ? "-s" : "-w");
        if (!VAULT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster id " + clusterId + " makes the Key Vault name " + name
                    + ", which Azure does not accept (3-24 letters, digits and single hyphens)");
        }
        return name;
    }

    /** A file name as a secret name (Key Vault allows letters, digits and '-'): {@code scheduler-key.pem} → {@code scheduler-key-pem}. */
    static String secretName(String file) {
        return file.replace('.', '-');
    }

    /** The files a role's machines fetch: the scheduler's list gains the dashboard token when the cluster has one. */
    static List<String> files(ClusterContext cluster, NodeRole role) {
        if (role == NodeRole.WORKER) {
            return WORKER_FILES;
        }
        List<String> files = new ArrayList<>(SCHEDULER_FILES);
        if (Files.isRegularFile(tlsDirectory(cluster).resolve(DASHBOARD_TOKEN))) {
            files.add(DASHBOARD_TOKEN);
        }
        return List.copyOf(files);
    }

    static Path tlsDirectory(ClusterContext cluster) {
        return cluster.workDir().resolve(ClusterTrust.DIRECTORY);
    }

    /**
     * Makes the cluster's CA and certificates in its local TLS directory (unless there already),
     * creates both vaults, each readable by exactly one principal, and stores the files.
     *
     * @param readers the principal (object) id allowed to read each role's vault
     */
    void ensure(ClusterContext cluster, AzureOptions options, Map<String, String> tags, Map<NodeRole, String> readers) {
        Path dir = tlsDirectory(cluster);
        if (!Files.isRegularFile(dir.resolve("worker.pem"))) {
            ClusterTrust.createForCloud(dir, cluster.name(), cluster.id());
        }
        String tenant = azure.caller().tenantId();
        String writer = azure.caller().objectId();
        if (tenant == null || writer == null) {
            throw new ProvisionException(
                    "the Azure identity " + azure.caller().display() + " has no tenant or object id"
                            + " in its token: it cannot be given access to the cluster's Key Vaults");
        }
        String group = AzureNames.group(cluster);
        for (NodeRole role : List.of(NodeRole.SCHEDULER, NodeRole.WORKER)) {
            String name = vaultName(cluster, role);
            VaultProperties properties = new VaultProperties()
                    .withTenantId(UUID.fromString(tenant))
                    .withSku(new Sku().withFamily(SkuFamily.A).withName(SkuName.STANDARD))
                    .withAccessPolicies(List.of(
                            policy(tenant, readers.get(role), SecretPermissions.GET),
                            policy(tenant, writer, SecretPermissions.SET)))
                    .withEnableRbacAuthorization(false)
                    .withEnableSoftDelete(true)
                    .withSoftDeleteRetentionInDays(RETENTION_DAYS)
                    .withEnabledForDeployment(false)
                    .withEnabledForDiskEncryption(false)
                    .withEnabledForTemplateDeployment(false);
            VaultInner vault = Lro.await(
                    azure.vaults()
                            .beginCreateOrUpdate(
                                    group,
                                    name,
                                    new VaultCreateOrUpdateParameters()
                                            .withLocation(options.location())
                                            .withTags(tags)
                                            .withProperties(properties),
                                    Context.NONE),
                    azure.pollInterval(),
                    Instant.now().plus(AzureProvider.CREATE_TIMEOUT),
                    "Key Vault " + name + " is created");
            SecretClient secrets = azure.secrets().apply(vault.properties().vaultUri());
            for (String file : files(cluster, role)) {
                String value = read(dir.resolve(file));
                retryWhilePropagating(() -> secrets.setSecret(secretName(file), value), name);
            }
            // The user's write access was for this step only: afterwards the machines' identity is the one reader.
            azure.vaults()
                    .updateAccessPolicy(
                            group,
                            name,
                            AccessPolicyUpdateKind.REMOVE,
                            new VaultAccessPolicyParametersInner()
                                    .withProperties(new VaultAccessPolicyProperties()
                                            .withAccessPolicies(
                                                    List.of(policy(tenant, writer, SecretPermissions.SET)))));
            LOG.info(
                    "{}: stored the {} TLS files in Key Vault {}, readable only by the {} identity",
                    cluster.name(),
                    role.label(),
                    name,
                    role == NodeRole.SCHEDULER ? AzureNames.CONTROLLER_IDENTITY : AzureNames.WORKER_IDENTITY);
        }
    }

    /** The URL of a role's vault, as Azure reports it (the fetcher on the machines talks to it). */
    String vaultUrl(ClusterContext cluster, NodeRole role) {
        return azure.vaults()
                .getByResourceGroup(AzureNames.group(cluster), vaultName(cluster, role))
                .properties()
                .vaultUri();
    }

    /**
     * Purges the cluster's soft-deleted vaults (after its resource group is deleted), waiting until
     * {@code deadline}. Vaults not in the soft-deleted list (never created, already purged) are fine;
     * an identity that may not purge leaves them for Azure to purge after {@value #RETENTION_DAYS} days.
     */
    void purgeDeleted(String clusterName, String clusterId, String location, Instant deadline) {
        for (NodeRole role : List.of(NodeRole.SCHEDULER, NodeRole.WORKER)) {
            String name = vaultName(clusterId, role);
            try {
                // Reading and purging deleted vaults are subscription-level actions: the in-cluster controller,
                // whose role is scoped to the group, may do neither.
                DeletedVaultInner deleted = Lro.orNull(() -> azure.vaults().getDeleted(name, location));
                if (deleted == null) {
                    continue;
                }
                Lro.await(
                        azure.vaults().beginPurgeDeleted(name, location, Context.NONE),
                        azure.pollInterval(),
                        deadline,
                        "soft-deleted Key Vault " + name + " is purged");
                LOG.info("{}: purged soft-deleted Key Vault {}", clusterName, name);
            } catch (ManagementException | Lro.Failed e) {
                if (Lro.notFound(e)) {
                    continue;
                }
                if (!Lro.codes(e).contains("AuthorizationFailed")) {
                    throw e;
                }
                LOG.warn(
                        "{}: may not purge soft-deleted Key Vault {} ({}); Azure purges it after {} days",
                        clusterName,
                        name,
                        Lro.describe(e),
                        RETENTION_DAYS);
            }
        }
    }

    private static AccessPolicyEntry policy(String tenant, String objectId, SecretPermissions permission) {
        return new AccessPolicyEntry()
                .withTenantId(UUID.fromString(tenant))
                .withObjectId(objectId)
                .withPermissions(new Permissions().withSecrets(List.of(permission)));
    }

    /**
     * Runs a data-plane call again while a new vault's name does not resolve yet or its access
     * policy has not reached the data plane (403), until {@link #PROPAGATION} has passed.
     */
    private void retryWhilePropagating(Runnable call, String vault) {
        Instant deadline = Instant.now().plus(PROPAGATION);
        Duration pause = azure.pollInterval();
        while (true) {
            try {
                call.run();
                return;
            } catch (RuntimeException e) {
                boolean forbidden = e instanceof HttpResponseException h
                        && h.getResponse() != null
                        && h.getResponse().getStatusCode() == 403;
                if (!(forbidden || notResolvableYet(e)) || !Instant.now().isBefore(deadline)) {
                    throw e;
                }
                LOG.debug("Key Vault {} not ready for this identity yet: {}", vault, e.getMessage());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ProvisionException("interrupted while storing the cluster's TLS material", ie);
                }
            }
        }
    }

    /**
     * Whether a request failed because the vault's host name does not resolve (yet): a new vault's
     * DNS name appears a little after the vault. The JDK HTTP client reports it as a
     * {@code ConnectException} caused by {@link UnresolvedAddressException}; other transports as
     * {@link UnknownHostException}.
     */
    static boolean notResolvableYet(Throwable e) {
        return causedBy(e, UnknownHostException.class) || causedBy(e, UnresolvedAddressException.class);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
