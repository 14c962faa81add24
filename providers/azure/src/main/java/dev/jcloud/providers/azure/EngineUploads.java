package dev.jcloud.providers.azure;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import com.azure.resourcemanager.storage.fluent.models.BlobContainerInner;
import com.azure.resourcemanager.storage.fluent.models.StorageAccountInner;
import com.azure.resourcemanager.storage.models.Kind;
import com.azure.resourcemanager.storage.models.MinimumTlsVersion;
import com.azure.resourcemanager.storage.models.PublicAccess;
import com.azure.resourcemanager.storage.models.Sku;
import com.azure.resourcemanager.storage.models.SkuName;
import com.azure.resourcemanager.storage.models.StorageAccountCreateParameters;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.models.UserDelegationKey;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.sas.SasProtocol;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the engine to Azure VMs: the {@link EngineBundle} of the creating process is uploaded
 * once per version (content-addressed: blob {@code <sha256>.tar.gz}) to the private container
 * {@value #CONTAINER} of one storage account per subscription and location, and VMs download it over
 * a read-only SAS URL for that one blob, valid {@link #URL_LIFETIME}. The boot script checks the
 * SHA-256, so what runs is exactly the client's engine.
 *
 * <p>The account lives in its own resource group {@code jcloud-engines-<location>}, tagged
 * {@value #SHARED_TAG} and never with a cluster id: cluster teardown deletes only the cluster's group
 * and {@code cluster gc} selects groups by cluster id, so neither deletes the cache. Public blob
 * access is off, HTTPS only, TLS 1.2 at least. Workers started later get the scheduler's engine
 * version, found on the scheduler VM's {@link #ENGINE_TAG} tag, never the version of whoever scales.
 *
 * <p>Two signers. The CLI (the identity that created the account, usually without any data role) signs
 * a service SAS with the account key, which it reads through Resource Manager ({@code listKeys}) and
 * never puts anywhere: boot scripts carry only the SAS URL. The in-cluster controller never sees an
 * account key: it holds only "Storage Blob Data Reader" on the container and "Storage Blob Delegator"
 * on the account ({@link EngineCacheGrants}), gets a user delegation key with its own managed identity
 * token and signs a user delegation SAS ({@link #delegatedArtifact}), which Azure honours only while
 * that identity may read the blob. No cluster can overwrite or delete another cluster's engines, and
 * nothing it obtained outlives its grants by more than the key's hour.
 *
 * <p>The container is kept by the shared {@link EngineCachePolicy}: each {@code up} removes the
 * versions older than 30 days that no VM of the subscription carries on its {@link #ENGINE_TAG}
 * ({@link #sweep}), so a version stays as long as a VM may boot it, however long its cluster lives;
 * a version an {@code up} reuses is dated anew in its {@value #DATED_METADATA} metadata.
 */
final class EngineUploads {

    /** Tag on the scheduler VM: the SHA-256 of the engine the cluster runs. */
    static final String ENGINE_TAG = "jcloud.engine-sha256";

    static final String SHARED_TAG = "jcloud.shared";
    static final String CONTAINER = "engines";
    static final Duration URL_LIFETIME = Duration.ofHours(1);
    /** SAS validity starts a little in the past: a VM whose clock runs behind must not be refused. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** Bundles above this size go up as 8 MiB blocks, 4 at a time; smaller ones in one Put Blob. */
    static final long SINGLE_UPLOAD_LIMIT = 32L << 20;

    static final long BLOCK_SIZE = 8L << 20;

    /**
     * Blob metadata: when an {@code up} last reused the version (ISO-8601), if later than its creation.
     * Metadata names are C# identifiers, hence the underscore.
     */
    static final String DATED_METADATA = "jcloud_dated";

    /** The cache's engine versions: {@code <sha256>.tar.gz}; other blobs of the container are not touched. */
    private static final Pattern VERSION_BLOB = Pattern.compile("([0-9a-f]{64})\\.tar\\.gz");

    private static final Logger LOG = LoggerFactory.getLogger(EngineUploads.class);

    private final AzureClients azure;
    private final AzureOptions options;
    private final EngineCachePolicy policy;

    EngineUploads(AzureClients azure, AzureOptions options) {
        this(azure, options, EngineCachePolicy.standard());
    }

    EngineUploads(AzureClients azure, AzureOptions options, EngineCachePolicy policy) {
        this.azure = azure;
        this.options = options;
        this.policy = policy;
    }

    /** {@code jcloud-engines-<location>}: the cache's resource group. */
    static String group(String location) {
        return "jcloud-engines-" + location;
    }

    /**
     * {@code jcloud} and 18 hex digits of SHA-256(subscription/location): storage account names are
     * global, 3-24 lower-case letters and digits, and the same subscription and location always find
     * the same account.
     */
    static String account(String subscription, String location) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((subscription.toLowerCase(Locale.ROOT) + "/" + location).getBytes(StandardCharsets.UTF_8));
            return "jcloud" + HexFormat.of().formatHex(d).substring(0, 18);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The engine cache's storage account, as a resource id. */
    static String accountId(String subscription, String location) {
        return AzureNames.groupId(subscription, group(location)) + "/providers/Microsoft.Storage/storageAccounts/"
                + account(subscription, location);
    }

    /**
     * Creates the cache where missing and lets the cluster's controller identity read the engines and
     * sign user delegation URLs for them, for the workers it starts later ({@link EngineCacheGrants}).
     * The engine's integrity does not rest on this: the boot script checks the SHA-256 of what it downloads.
     */
    void grantController(ClusterContext cluster, String controllerPrincipal) {
        ensureAccount();
        new EngineCacheGrants(azure, options).grant(cluster, controllerPrincipal);
    }

    /** Removes the controller's grants: they lie outside the cluster's group, so deleting the group does not. */
    void revokeController(ClusterContext cluster) {
        new EngineCacheGrants(azure, options).revoke(cluster);
    }

    static String blob(String sha256) {
        return sha256 + ".tar.gz";
    }

    /** Uploads {@code bundle} unless that version is there already; returns a URL VMs can fetch it from. */
    EngineArtifact publish(EngineBundle bundle) {
        StorageAccountInner account = ensureAccount();
        BlobContainerClient container = containerClient(account);
        BlobClient blob = container.getBlobClient(blob(bundle.sha256()));
        BlobProperties existing = properties(blob);
        // A blob of another size under this version's name (a broken upload, or tampering: the boot
        // script's SHA-256 check refuses it) is replaced rather than handed out again.
        if (existing != null && existing.getBlobSize() == bundle.file().toFile().length()) {
            // A concurrent up's sweep must not take it before this cluster's scheduler carries it.
            policy.reused(
                    cache(container, Set::of),
                    bundle.sha256(),
                    dated(existing.getCreationTime(), existing.getLastModified(), existing.getMetadata()));
        } else {
            long start = System.nanoTime();
            blob.uploadFromFileWithResponse(
                    new BlobUploadFromFileOptions(bundle.file().toString())
                            .setParallelTransferOptions(new ParallelTransferOptions()
                                    .setMaxSingleUploadSizeLong(SINGLE_UPLOAD_LIMIT)
                                    .setBlockSizeLong(BLOCK_SIZE)
                                    .setMaxConcurrency(4)),
                    null,
                    null);
            LOG.info(
                    "uploaded the engine ({} MiB) to {}/{}/{} in {} ms",
                    bundle.file().toFile().length() >> 20,
                    account.name(),
                    CONTAINER,
                    blob.getBlobName(),
                    (System.nanoTime() - start) / 1_000_000);
        }
        return artifact(account, blob, bundle.sha256());
    }

    /** A fresh URL for an engine version uploaded earlier, signed with the account key; fails when it is gone. */
    EngineArtifact artifact(String sha256) {
        String name = account(options.subscription(), options.location());
        StorageAccountInner account = Lro.orNull(
                () -> azure.storage().getStorageAccounts().getByResourceGroup(group(options.location()), name));
        if (account == null) {
            throw new ProvisionException("the engine cache, storage account " + name + " in resource group "
                    + group(options.location()) + ", is gone: run 'jcloud cluster up' again to upload the engine");
        }
        BlobClient blob = containerClient(account).getBlobClient(blob(sha256));
        if (!blob.exists()) {
            throw new ProvisionException("the cluster's engine " + name + "/" + CONTAINER + "/" + blob(sha256)
                    + " is gone: run 'jcloud cluster up' with the same jcloud version to upload it again");
        }
        return artifact(account, blob, sha256);
    }

    /**
     * A fresh URL for an engine version uploaded earlier, signed as the in-cluster controller: a user
     * delegation SAS (read, that one blob, {@link #URL_LIFETIME}, HTTPS only) with a user delegation key
     * obtained with this process's own token. No Resource Manager call and no account key: the blob
     * endpoint follows from the account's name. Fails when the engine is gone or the identity may not.
     */
    EngineArtifact delegatedArtifact(String sha256) {
        return delegatedArtifact(sha256, Propagation.DEFAULT_DEADLINE);
    }

    /**
     * {@link #delegatedArtifact(String)}, trying again for up to {@code propagation} while Blob
     * storage answers 403: the controller's role assignments are made by {@code up} moments before
     * the scheduler VM starts, and take up to minutes to reach the data plane.
     */
    EngineArtifact delegatedArtifact(String sha256, Duration propagation) {
        return Propagation.await(
                () -> delegatedArtifactOnce(sha256),
                e -> Propagation.httpStatus(e, 403),
                propagation,
                "the controller's grants on the engine cache");
    }

    private EngineArtifact delegatedArtifactOnce(String sha256) {
        String name = account(options.subscription(), options.location());
        BlobServiceClient service = new BlobServiceClientBuilder()
                .endpoint(azure.blobEndpoint().apply(name))
                .credential(azure.credential())
                .httpClient(azure.http())
                .buildClient();
        BlobClient blob = service.getBlobContainerClient(CONTAINER).getBlobClient(blob(sha256));
        try {
            if (!blob.exists()) {
                throw new ProvisionException("the cluster's engine " + name + "/" + CONTAINER + "/" + blob(sha256)
                        + " is gone: run 'jcloud cluster up' with the same jcloud version to upload it again");
            }
            OffsetDateTime now = OffsetDateTime.now();
            UserDelegationKey key = service.getUserDelegationKey(now.minus(CLOCK_SKEW), now.plus(URL_LIFETIME));
            String sas = blob.generateUserDelegationSas(sasValues(now), key);
            return EngineArtifact.of(URI.create(blob.getBlobUrl() + "?" + sas), sha256);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 403) {
                throw new ProvisionException(
                        "this identity may not read the engine cache " + name + "/" + CONTAINER
                                + " or get a user delegation key for it (" + e.getErrorCode()
                                + "): the controller's grants"
                                + " (Storage Blob Data Reader on the container, Storage Blob Delegator on the account) are missing"
                                + " or not propagated yet; 'jcloud cluster up' of this cluster makes them",
                        e);
            }
            throw e;
        }
    }

    private static EngineArtifact artifact(StorageAccountInner account, BlobClient blob, String sha256) {
        String sas = blob.generateSas(sasValues(OffsetDateTime.now()));
        return EngineArtifact.of(URI.create(blob.getBlobUrl() + "?" + sas), sha256);
    }

    /** Read only, {@link #URL_LIFETIME} from a little in the past, HTTPS only: for both kinds of SAS. */
    private static BlobServiceSasSignatureValues sasValues(OffsetDateTime now) {
        return new BlobServiceSasSignatureValues(
                        now.plus(URL_LIFETIME), new BlobSasPermission().setReadPermission(true))
                .setStartTime(now.minus(CLOCK_SKEW))
                .setProtocol(SasProtocol.HTTPS_ONLY);
    }

    /**
     * Removes, by the shared {@link EngineCachePolicy}, the versions no VM carries ({@code inUse}:
     * SHA-256s, asked only when some version is old enough) other than {@code current}; returns their
     * SHA-256s. Nothing to do when the cache is not there. Other blobs of the container are left alone.
     */
    List<String> sweep(Supplier<Set<String>> inUse, String current) {
        String name = account(options.subscription(), options.location());
        StorageAccountInner account;
        try {
            account = Lro.orNull(
                    () -> azure.storage().getStorageAccounts().getByResourceGroup(group(options.location()), name));
        } catch (RuntimeException e) {
            LOG.warn("could not look at the engine cache {} ({}); the next up tries again", name, e.toString());
            return List.of();
        }
        return account == null ? List.of() : policy.sweep(cache(containerClient(account), inUse), current);
    }

    /** The container's engine versions as the policy's store. */
    private static EngineCachePolicy.Store cache(BlobContainerClient container, Supplier<Set<String>> inUse) {
        return new EngineCachePolicy.Store() {
            @Override
            public String describe() {
                return container.getBlobContainerUrl();
            }

            @Override
            public Map<String, Instant> versions() {
                Map<String, Instant> out = new LinkedHashMap<>();
                ListBlobsOptions list =
                        new ListBlobsOptions().setDetails(new BlobListDetails().setRetrieveMetadata(true));
                for (BlobItem b : container.listBlobs(list, null)) {
                    var m = VERSION_BLOB.matcher(b.getName());
                    if (m.matches()) {
                        out.put(
                                m.group(1),
                                dated(
                                        b.getProperties().getCreationTime(),
                                        b.getProperties().getLastModified(),
                                        b.getMetadata()));
                    }
                }
                return out;
            }

            @Override
            public Set<String> inUse() {
                return inUse.get();
            }

            @Override
            public void delete(String sha256) {
                container.getBlobClient(blob(sha256)).deleteIfExists();
            }

            @Override
            public void touch(String sha256) {
                // Keeps the bytes (and so the name's promise); Set Blob Metadata replaces only the metadata.
                container
                        .getBlobClient(blob(sha256))
                        .setMetadata(Map.of(DATED_METADATA, Instant.now().toString()));
            }
        };
    }

    /** When a version was written or last dated anew: the later of its creation and its {@value #DATED_METADATA}. */
    static Instant dated(OffsetDateTime created, OffsetDateTime lastModified, Map<String, String> metadata) {
        Instant written = (created != null ? created : lastModified).toInstant();
        String mark = metadata == null ? null : metadata.get(DATED_METADATA);
        if (mark == null) {
            return written;
        }
        try {
            Instant marked = Instant.parse(mark);
            return marked.isAfter(written) ? marked : written;
        } catch (DateTimeParseException e) {
            return written; // not ours: the blob's own date
        }
    }

    /** The blob's properties, or null when it is not there. */
    private static BlobProperties properties(BlobClient blob) {
        try {
            return blob.getProperties();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** The engines container, signed with the account key (read through Resource Manager, kept in memory only). */
    private BlobContainerClient containerClient(StorageAccountInner account) {
        String key = azure.storage()
                .getStorageAccounts()
                .listKeys(group(options.location()), account.name())
                .keys()
                .get(0)
                .value();
        return new BlobContainerClientBuilder()
                .endpoint(account.primaryEndpoints().blob())
                .containerName(CONTAINER)
                .credential(new StorageSharedKeyCredential(account.name(), key))
                .httpClient(azure.http())
                .buildClient();
    }

    /** The cache's group, account and container, created where missing. */
    private StorageAccountInner ensureAccount() {
        String location = options.location();
        String group = group(location);
        String name = account(options.subscription(), location);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(SHARED_TAG, "engine-cache");
        tags.put(AzureTags.VERSION, AzureTags.JCLOUD_VERSION);
        if (Lro.orNull(() -> azure.resources().getResourceGroups().get(group)) == null) {
            azure.resources()
                    .getResourceGroups()
                    .createOrUpdate(
                            group,
                            new ResourceGroupInner().withLocation(location).withTags(tags));
        }
        StorageAccountInner account =
                Lro.orNull(() -> azure.storage().getStorageAccounts().getByResourceGroup(group, name));
        if (account == null) {
            try {
                account = Lro.await(
                        azure.storage()
                                .getStorageAccounts()
                                .beginCreate(
                                        group,
                                        name,
                                        new StorageAccountCreateParameters()
                                                .withSku(new Sku().withName(SkuName.STANDARD_LRS))
                                                .withKind(Kind.STORAGE_V2)
                                                .withLocation(location)
                                                .withTags(tags)
                                                .withAllowBlobPublicAccess(false)
                                                .withEnableHttpsTrafficOnly(true)
                                                .withMinimumTlsVersion(MinimumTlsVersion.TLS1_2)
                                                .withAllowSharedKeyAccess(true),
                                        com.azure.core.util.Context.NONE),
                        azure.pollInterval(),
                        Instant.now().plus(AzureProvider.CREATE_TIMEOUT),
                        "storage account " + name + " is created");
            } catch (ManagementException e) {
                if (Lro.codes(e).contains("StorageAccountAlreadyTaken")) {
                    throw new ProvisionException(
                            "the engine cache's storage account name " + name + " is taken by"
                                    + " another subscription: pass " + AzureOptions.ENGINE_URL + "/"
                                    + AzureOptions.ENGINE_SHA256
                                    + " instead",
                            e);
                }
                throw e;
            }
            if (account == null) { // an operation whose last poll carried no body
                account = azure.storage().getStorageAccounts().getByResourceGroup(group, name);
            }
            LOG.info(
                    "created the engine cache: storage account {} in resource group {} (private, HTTPS only)",
                    name,
                    group);
        }
        if (Lro.orNull(() -> azure.storage().getBlobContainers().get(group, name, CONTAINER)) == null) {
            azure.storage()
                    .getBlobContainers()
                    .create(group, name, CONTAINER, new BlobContainerInner().withPublicAccess(PublicAccess.NONE));
        }
        return account;
    }
}
