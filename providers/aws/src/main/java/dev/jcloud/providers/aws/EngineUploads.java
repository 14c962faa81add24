package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionRule;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Delivers the engine to EC2 machines: the {@link EngineBundle} of the creating process is uploaded
 * once per version (content-addressed: {@code engine/<sha256>.tar.gz}) to a private, encrypted
 * bucket of the account and region, and machines download it over a presigned URL that expires
 * after {@link #URL_LIFETIME}. The boot script checks the SHA-256, so what runs is exactly the
 * client's engine.
 *
 * <p>The bucket is shared by the account's clusters as a cache (tagged {@code jcloud.shared}, not
 * with a cluster). Workers started later (by {@code scale} or the in-cluster controller) get the
 * scheduler's engine version, found on the scheduler's {@link #ENGINE_TAG} tag, never the version
 * of whoever scales. The bucket is kept by the shared {@link EngineCachePolicy}: a version stays while
 * any machine in the region carries it, and each {@code up} removes the versions older than 30 days
 * that no machine uses ({@link #sweep}).
 * An age-based lifecycle rule (what jcloud used before) would take the engine from under a cluster
 * that runs longer, and it could then add no worker; {@link #publish} removes that rule from
 * buckets that have it.
 */
final class EngineUploads {

    /** Tag on the scheduler instance: the SHA-256 of the engine the cluster runs. */
    static final String ENGINE_TAG = "jcloud.engine-sha256";

    static final String SHARED_TAG = "jcloud.shared";
    static final Duration URL_LIFETIME = Duration.ofHours(1);
    /** The rule earlier jcloud versions put on the bucket: versions expired 30 days after upload, in use or not. */
    static final String OLD_EXPIRY_RULE = "expire-engine-versions";

    private static final String PREFIX = "engine/";
    private static final String SUFFIX = ".tar.gz";

    private static final Logger LOG = LoggerFactory.getLogger(EngineUploads.class);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String region;
    private final String account;
    private final EngineCachePolicy policy;

    EngineUploads(S3Client s3, S3Presigner presigner, String region, String account) {
        this(s3, presigner, region, account, EngineCachePolicy.standard());
    }

    EngineUploads(S3Client s3, S3Presigner presigner, String region, String account, EngineCachePolicy policy) {
        this.s3 = s3;
        this.presigner = presigner;
        this.region = region;
        this.account = account;
        this.policy = policy;
    }

    /** The account's engine bucket in this region. */
    static String bucket(String account, String region) {
        return "jcloud-engine-" + account + "-" + region;
    }

    static String key(String sha256) {
        return PREFIX + sha256 + SUFFIX;
    }

    /** Uploads {@code bundle} unless that version is there already; returns a URL machines can fetch it from. */
    EngineArtifact publish(EngineBundle bundle) {
        String bucket = bucket(account, region);
        if (ensureBucket(bucket)) {
            dropOldExpiryRule(bucket);
        }
        String key = key(bundle.sha256());
        Optional<Instant> uploaded = lastModified(bucket, key);
        if (uploaded.isEmpty()) {
            long start = System.nanoTime();
            s3.putObject(
                    r -> r.bucket(bucket).key(key).serverSideEncryption(ServerSideEncryption.AES256),
                    RequestBody.fromFile(bundle.file()));
            LOG.info(
                    "uploaded the engine ({} MiB) to s3://{}/{} in {} ms",
                    bundle.file().toFile().length() >> 20,
                    bucket,
                    key,
                    (System.nanoTime() - start) / 1_000_000);
        } else {
            // An old version no machine may run yet: another up's sweep must not take it before this
            // cluster's scheduler carries its tag.
            policy.reused(cache(Set::of), bundle.sha256(), uploaded.get());
        }
        return artifact(bundle.sha256());
    }

    /** A fresh URL for an engine version uploaded earlier; fails when it is gone. */
    EngineArtifact artifact(String sha256) {
        String bucket = bucket(account, region);
        String key = key(sha256);
        if (lastModified(bucket, key).isEmpty()) {
            throw new ProvisionException(
                    "the cluster's engine s3://" + bucket + "/" + key + " is gone (deleted by hand, or"
                            + " by an older jcloud's 30-day expiry rule): run 'jcloud cluster up' with the cluster's jcloud version to"
                            + " upload it again");
        }
        String url = presigner
                .presignGetObject(r -> r.signatureDuration(URL_LIFETIME)
                        .getObjectRequest(g -> g.bucket(bucket).key(key)))
                .url()
                .toString();
        try {
            return EngineArtifact.of(new URI(url), sha256);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    /** When the object was last written, or empty when it is not there. */
    private Optional<Instant> lastModified(String bucket, String key) {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)).lastModified());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Removes, by the shared {@link EngineCachePolicy}, the versions no machine carries
     * ({@code inUse}: SHA-256s, asked only when some version is old enough) other than
     * {@code current}; returns their SHA-256s. Other objects in the bucket are left alone.
     */
    List<String> sweep(Supplier<Set<String>> inUse, String current) {
        return policy.sweep(cache(inUse), current);
    }

    /** The bucket's engine versions as the policy's store. */
    private EngineCachePolicy.Store cache(Supplier<Set<String>> inUse) {
        String bucket = bucket(account, region);
        return new EngineCachePolicy.Store() {
            @Override
            public String describe() {
                return "s3://" + bucket;
            }

            @Override
            public Map<String, Instant> versions() {
                Map<String, Instant> out = new LinkedHashMap<>();
                for (S3Object o : s3.listObjectsV2Paginator(
                                r -> r.bucket(bucket).prefix(PREFIX))
                        .contents()) {
                    String key = o.key();
                    if (key.endsWith(SUFFIX) && key.indexOf('/', PREFIX.length()) < 0) {
                        out.put(key.substring(PREFIX.length(), key.length() - SUFFIX.length()), o.lastModified());
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
                s3.deleteObject(r -> r.bucket(bucket).key(key(sha256)));
            }

            @Override
            public void touch(String sha256) {
                // A copy onto itself dates it now, server-side.
                String key = key(sha256);
                s3.copyObject(r -> r.sourceBucket(bucket)
                        .sourceKey(key)
                        .destinationBucket(bucket)
                        .destinationKey(key)
                        .metadataDirective(MetadataDirective.REPLACE)
                        .serverSideEncryption(ServerSideEncryption.AES256));
            }
        };
    }

    /** Removes the age-based expiry rule of buckets made by earlier jcloud versions, keeping any other rule. */
    private void dropOldExpiryRule(String bucket) {
        List<LifecycleRule> rules;
        try {
            rules = s3.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return; // no lifecycle configuration at all
            }
            throw e;
        }
        List<LifecycleRule> kept =
                rules.stream().filter(r -> !OLD_EXPIRY_RULE.equals(r.id())).toList();
        if (kept.size() == rules.size()) {
            return;
        }
        if (kept.isEmpty()) {
            s3.deleteBucketLifecycle(r -> r.bucket(bucket));
        } else {
            s3.putBucketLifecycleConfiguration(r -> r.bucket(bucket).lifecycleConfiguration(c -> c.rules(kept)));
        }
        LOG.info("removed the 30-day expiry rule from s3://{}: engine versions in use are kept now", bucket);
    }

    /** Makes the bucket unless it exists; true when it existed. */
    private boolean ensureBucket(String bucket) {
        try {
            s3.headBucket(r -> r.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            // create it below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw new ProvisionException(
                        "cannot use the engine bucket " + bucket + ": "
                                + e.awsErrorDetails().errorMessage(),
                        e);
            }
        }
        s3.createBucket(r -> {
            r.bucket(bucket);
            if (!region.equals("us-east-1")) {
                r.createBucketConfiguration(c -> c.locationConstraint(BucketLocationConstraint.fromValue(region)));
            }
        });
        s3.putPublicAccessBlock(r -> r.bucket(bucket)
                .publicAccessBlockConfiguration(c -> c.blockPublicAcls(true)
                        .ignorePublicAcls(true)
                        .blockPublicPolicy(true)
                        .restrictPublicBuckets(true)));
        s3.putBucketEncryption(r -> r.bucket(bucket)
                .serverSideEncryptionConfiguration(c -> c.rules(ServerSideEncryptionRule.builder()
                        .applyServerSideEncryptionByDefault(d -> d.sseAlgorithm(ServerSideEncryption.AES256))
                        .build())));
        s3.putBucketTagging(r -> r.bucket(bucket)
                .tagging(t -> t.tagSet(
                        Map.of(SHARED_TAG, "engine-cache", Tags.VERSION, Tags.JCLOUD_VERSION).entrySet().stream()
                                .map(e -> software.amazon.awssdk.services.s3.model.Tag.builder()
                                        .key(e.getKey())
                                        .value(e.getValue())
                                        .build())
                                .toList())));
        LOG.info("created the engine bucket s3://{} (private, encrypted)", bucket);
        return false;
    }
}
