package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the engine to Compute Engine machines: the {@link EngineBundle} of the creating process
 * is uploaded once per version (content-addressed: {@code engine/<sha256>.tar.gz}) to a private
 * Cloud Storage bucket of the project ({@code jcloud-engine-<project>}, or {@code gcp.engine-bucket};
 * uniform bucket-level access, public access prevention enforced, labelled {@code jcloud-shared}),
 * through the Storage JSON API. The bucket is a cache shared by the project's clusters: neither
 * {@code down} nor {@code gc} deletes it. It is kept by the shared {@link EngineCachePolicy}: each
 * {@code up} removes the versions older than 30 days that no instance of the project carries in its
 * metadata ({@link #sweep}), so a version stays as long as a machine runs it, however long its
 * cluster lives; a version an {@code up} reuses is dated anew (its {@code customTime}).
 *
 * <p><b>How machines read it: an IAM grant, not a signed URL.</b> Each cluster's service account
 * gets {@value #READER} on the bucket, in a binding of its own (condition titled
 * {@code jcloud-<id>-engine}, limited to objects under {@code engine/}), and the boot script
 * downloads with a token from the machine's metadata server ({@link #DOWNLOAD_HEADER}). Chosen over
 * V4 URLs signed with the IAM Credentials {@code signBlob} API because a signed URL is a bearer
 * credential that would sit in the instance metadata, readable by anyone who may describe the
 * instance, for its whole lifetime; it expires after at most 7 days, while the in-cluster controller
 * starts workers for as long as the cluster lives; and it needs the user (and the controller) to be
 * allowed to sign as a service account that itself may read the bucket, i.e. a grant anyway. With
 * the grant nothing secret is rendered, and workers started months later still boot.
 *
 * <p>The grant is removed by {@code down} (and {@code gc}, which finds leftover grants by their
 * condition title). Idle teardown from the scheduler leaves it, like the cluster's project-level
 * grants: removing it needs {@code storage.buckets.setIamPolicy} on the shared bucket, which would
 * let any cluster machine grant anyone anything on every engine; a read grant to an identity that no
 * machine runs as any more is the lesser risk until the next {@code down} or {@code gc}.
 *
 * <p>Workers get the scheduler's engine version ({@link BootMetadata#ENGINE_SHA256_KEY} in its
 * metadata), never the version of whoever scales.
 */
final class EngineUploads {

    static final String STORAGE_ROOT = "https://storage.googleapis.com";
    static final String OBJECT_PREFIX = "engine/";
    private static final String OBJECT_SUFFIX = ".tar.gz";

    static final String READER = "roles/storage.objectViewer";
    static final String SHARED_LABEL = Labels.PREFIX + "shared";

    /**
     * The boot script's download header ({@code BootScript.Builder#engineDownloadHeader}): the
     * machine's service-account token from the metadata server. Bucket IAM changes can take a
     * while to apply, so it first waits (at most 60 tries, 5 s apart) until the object's metadata
     * is readable with that token. Trusted code; {@code JCLOUD_GCE_METADATA} is a test seam.
     */
    static final BootStep DOWNLOAD_HEADER = BootStep.shell(String.join(
            "\n",
            "local md=\"${JCLOUD_GCE_METADATA:-http://metadata.google.internal}/computeMetadata/v1\" token i",
            "for i in $(seq 1 60); do",
            "  token=\"$(curl -fsS --retry 10 --retry-connrefused -H 'Metadata-Flavor: Google' \\",
            "    \"$md/instance/service-accounts/default/token\" | sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p')\"",
            "  if [ -n \"$token\" ] && curl -fsS -o /dev/null -H \"Authorization: Bearer $token\" \"${ENGINE_URL%%\\?*}\"; then",
            "    printf 'Authorization: Bearer %s\\n' \"$token\"; return 0",
            "  fi",
            "  jcloud_log \"the engine is not readable with this machine's service account yet (IAM propagation?); retrying\"",
            "  sleep 5",
            "done",
            "return 1"));

    private static final Logger LOG = LoggerFactory.getLogger(EngineUploads.class);

    private final GoogleRest storage;
    private final String project;
    private final String bucket;
    private final String location;
    private final EngineCachePolicy policy;

    EngineUploads(GoogleRest storage, GcpOptions options) {
        this(storage, options, EngineCachePolicy.standard());
    }

    EngineUploads(GoogleRest storage, GcpOptions options, EngineCachePolicy policy) {
        this.policy = policy;
        this.storage = storage;
        this.project = options.project();
        this.bucket = options.engineBucket();
        this.location = options.region();
    }

    /** {@code jcloud-engine-<project>}; a domain-scoped project's {@code :} and {@code .} become {@code -}. */
    static String defaultBucket(String project) {
        String b = "jcloud-engine-" + project.replaceAll("[^a-z0-9-]", "-");
        return b.length() > 63 ? b.substring(0, 63) : b;
    }

    static String objectName(String sha256) {
        return OBJECT_PREFIX + sha256 + OBJECT_SUFFIX;
    }

    /** The title of the condition of a cluster's read grant: how {@code down} and {@code gc} find it. */
    static String grantTitle(String clusterId) {
        return GceNames.PREFIX + clusterId + "-engine";
    }

    String bucket() {
        return bucket;
    }

    /** Creates the engine bucket unless it is there; explains a name taken by someone else. */
    void ensureBucket() {
        try {
            storage.get("/storage/v1/b/" + bucket);
            return;
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() == 403) {
                throw taken(e);
            }
            if (e.httpStatus() != 404) {
                throw e;
            }
        }
        ObjectNode body = GoogleRest.JSON.createObjectNode();
        body.put("name", bucket);
        // The region of the cluster that first needs it: engines are downloaded where the machines are.
        body.put("location", location);
        body.put("storageClass", "STANDARD");
        ObjectNode iam = body.putObject("iamConfiguration");
        iam.putObject("uniformBucketLevelAccess").put("enabled", true);
        iam.put("publicAccessPrevention", "enforced");
        ObjectNode labels = body.putObject("labels");
        labels.put(SHARED_LABEL, "engine-cache");
        labels.put(Labels.VERSION, Labels.value(Labels.JCLOUD_VERSION));
        try {
            storage.post("/storage/v1/b?project=" + enc(project), body);
            LOG.info("created the engine bucket gs://{} (private: uniform access, public access prevention)", bucket);
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() != 409) {
                throw new ProvisionException(
                        "could not create the engine bucket gs://" + bucket + " (" + e.getMessage()
                                + "): jcloud needs storage.buckets.create in project " + project
                                + " (e.g. roles/storage.admin),"
                                + " or give an engine with " + GcpOptions.ENGINE_URL + " and "
                                + GcpOptions.ENGINE_SHA256,
                        e);
            }
            // 409: someone created it meanwhile; fine if it is ours (another jcloud process), else explain.
            try {
                storage.get("/storage/v1/b/" + bucket);
            } catch (GoogleRest.GoogleApiException again) {
                throw taken(e);
            }
        }
    }

    private ProvisionException taken(GoogleRest.GoogleApiException e) {
        return new ProvisionException(
                "the engine bucket name gs://" + bucket + " cannot be used (" + e.getMessage()
                        + "): bucket names are global and it belongs to someone else, or this identity may not read it;"
                        + " name another bucket with " + GcpOptions.ENGINE_BUCKET,
                e);
    }

    /**
     * Uploads {@code bundle} unless an object with its name and exactly its bytes (MD5 and size) is
     * there; returns where machines fetch it.
     */
    EngineArtifact publish(EngineBundle bundle) {
        String name = objectName(bundle.sha256());
        String md5 = md5(bundle);
        long size = size(bundle);
        Optional<JsonNode> existing = object(name);
        if (existing.isPresent() && matches(existing.get(), md5, size)) {
            // A concurrent up's sweep must not take it before this cluster's scheduler carries it.
            policy.reused(cache(java.util.Set::of), bundle.sha256(), dated(existing.get()));
            return artifact(bundle.sha256());
        }
        // Absent: only create (a concurrent upload of the same version wins, 412). Different bytes: replace them.
        String precondition =
                existing.map(o -> o.path("generation").asText("0")).orElse("0");
        long start = System.nanoTime();
        try {
            JsonNode uploaded = storage.upload(
                    "/upload/storage/v1/b/" + bucket + "/o?uploadType=media&name=" + enc(name) + "&ifGenerationMatch="
                            + precondition,
                    bundle.file(),
                    "application/gzip");
            if (!matches(uploaded, md5, size)) {
                throw new ProvisionException("the engine uploaded to gs://" + bucket + "/" + name
                        + " does not have the MD5 of the local bundle " + bundle.file());
            }
            LOG.info(
                    "uploaded the engine ({} MiB) to gs://{}/{} in {} ms",
                    size >> 20,
                    bucket,
                    name,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() != 412
                    || !object(name).map(o -> matches(o, md5, size)).orElse(false)) {
                throw e;
            }
        }
        return artifact(bundle.sha256());
    }

    /**
     * Removes, by the shared {@link EngineCachePolicy}, the versions no instance carries
     * ({@code inUse}: SHA-256s, asked only when some version is old enough) other than
     * {@code current}; returns their SHA-256s. Other objects in the bucket are left alone.
     */
    List<String> sweep(java.util.function.Supplier<java.util.Set<String>> inUse, String current) {
        return policy.sweep(cache(inUse), current);
    }

    /** When a version was written or last dated anew: the later of its creation and its {@code customTime}. */
    private static Instant dated(JsonNode o) {
        Instant created = Instant.parse(o.path("timeCreated").asText());
        if (!o.hasNonNull("customTime")) {
            return created;
        }
        Instant custom = Instant.parse(o.path("customTime").asText());
        return custom.isAfter(created) ? custom : created;
    }

    /** The bucket's engine versions as the policy's store. */
    private EngineCachePolicy.Store cache(java.util.function.Supplier<java.util.Set<String>> inUse) {
        return new EngineCachePolicy.Store() {
            @Override
            public String describe() {
                return "gs://" + bucket;
            }

            @Override
            public java.util.Map<String, Instant> versions() {
                java.util.Map<String, Instant> out = new java.util.LinkedHashMap<>();
                String pageToken = null;
                do {
                    JsonNode page = storage.get("/storage/v1/b/" + bucket + "/o?prefix=" + enc(OBJECT_PREFIX)
                            + (pageToken == null ? "" : "&pageToken=" + enc(pageToken)));
                    for (JsonNode o : page.path("items")) {
                        String name = o.path("name").asText();
                        if (name.endsWith(OBJECT_SUFFIX) && name.indexOf('/', OBJECT_PREFIX.length()) < 0) {
                            out.put(
                                    name.substring(OBJECT_PREFIX.length(), name.length() - OBJECT_SUFFIX.length()),
                                    dated(o));
                        }
                    }
                    pageToken = page.hasNonNull("nextPageToken")
                            ? page.get("nextPageToken").asText()
                            : null;
                } while (pageToken != null);
                return out;
            }

            @Override
            public java.util.Set<String> inUse() {
                return inUse.get();
            }

            @Override
            public void delete(String sha256) {
                try {
                    storage.delete("/storage/v1/b/" + bucket + "/o/" + enc(objectName(sha256)));
                } catch (GoogleRest.GoogleApiException e) {
                    if (e.httpStatus() != 404) {
                        throw e;
                    }
                }
            }

            @Override
            public void touch(String sha256) {
                // customTime may only move forward, which is all a new date needs.
                ObjectNode body = GoogleRest.JSON.createObjectNode();
                body.put("customTime", Instant.now().toString());
                storage.patch("/storage/v1/b/" + bucket + "/o/" + enc(objectName(sha256)), body);
            }
        };
    }

    /** Where machines fetch an engine version uploaded earlier; fails when it is gone. */
    EngineArtifact existing(String sha256) {
        if (object(objectName(sha256)).isEmpty()) {
            throw new ProvisionException("the cluster's engine gs://" + bucket + "/" + objectName(sha256)
                    + " is gone: run 'jcloud cluster up' with the same jcloud version to upload it again");
        }
        return artifact(sha256);
    }

    /** The JSON API media URL of an engine version; readable only with a token of an identity that may read it. */
    EngineArtifact artifact(String sha256) {
        URI url =
                URI.create(storage.root() + "/storage/v1/b/" + bucket + "/o/" + enc(objectName(sha256)) + "?alt=media");
        return new EngineArtifact(url, sha256, EngineArtifact.Format.TAR_GZ);
    }

    /** Lets {@code account} read the engines, in a binding of the cluster's own. */
    void grantRead(ClusterContext cluster, String account, long createdEpoch, Instant deadline) {
        String title = grantTitle(cluster.id());
        updatePolicy(
                ClusterServiceAccount.notKnownYet(cluster, project, account),
                deadline,
                policy -> {
                    ArrayNode bindings = without(policy, title);
                    ObjectNode b = bindings.addObject();
                    b.put("role", READER);
                    b.putArray("members").add("serviceAccount:" + account);
                    ObjectNode c = b.putObject("condition");
                    c.put("title", title);
                    c.put("description", GceNames.description(cluster, "reads the engine", createdEpoch));
                    c.put(
                            "expression",
                            "resource.name.startsWith(\"projects/_/buckets/" + bucket + "/objects/" + OBJECT_PREFIX
                                    + "\")");
                    return policy;
                },
                "let the cluster's service account " + account + " read the engine",
                false);
    }

    /**
     * Removes the cluster's read grant; nothing to do when it or the bucket is gone, or when the
     * bucket's policy cannot be read (a name taken by someone else: no grant of ours can be there).
     */
    void revokeRead(ClusterContext cluster, Instant deadline) {
        String title = grantTitle(cluster.id());
        updatePolicy(
                e -> false,
                deadline,
                policy -> {
                    policy.set("bindings", without(policy, title));
                    return policy;
                },
                "remove the engine read grant of cluster " + cluster.name(),
                true);
    }

    /** The condition descriptions of every jcloud read grant on the bucket (for {@code gc}); none without a bucket. */
    List<String> grantDescriptions() {
        List<String> out = new ArrayList<>();
        Optional<ObjectNode> policy;
        try {
            policy = policy();
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() != 403) {
                throw e;
            }
            LOG.warn(
                    "cannot read the IAM policy of the engine bucket gs://{} ({}); its grants are not collected",
                    bucket,
                    e.getMessage());
            return out;
        }
        policy.ifPresent(p -> p.path("bindings").forEach(b -> {
            if (b.path("condition").path("title").asText("").startsWith(GceNames.PREFIX)
                    && b.path("condition").path("title").asText("").endsWith("-engine")) {
                out.add(b.path("condition").path("description").asText(""));
            }
        }));
        return out;
    }

    private Optional<ObjectNode> policy() {
        try {
            return Optional.of(
                    (ObjectNode) storage.get("/storage/v1/b/" + bucket + "/iam?optionsRequestedPolicyVersion=3"));
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Read-modify-write of the bucket's IAM policy (version 3, for conditions), again while another
     * writer changed it in between (412: the etag no longer matches). No bucket: nothing to change.
     */
    private void updatePolicy(
            java.util.function.Predicate<GoogleRest.GoogleApiException> alsoTransient,
            Instant deadline,
            UnaryOperator<ObjectNode> change,
            String what,
            boolean unreadableIsEmpty) {
        long pause = 200;
        while (true) {
            Optional<ObjectNode> current;
            try {
                current = policy();
            } catch (GoogleRest.GoogleApiException e) {
                if (e.httpStatus() != 403 || !unreadableIsEmpty) {
                    throw e;
                }
                LOG.warn(
                        "cannot read the IAM policy of the engine bucket gs://{} ({}); no grant of this cluster removed",
                        bucket,
                        e.getMessage());
                return;
            }
            if (current.isEmpty()) {
                return;
            }
            ObjectNode before = current.get().deepCopy();
            ObjectNode after = change.apply(current.get());
            if (after.equals(before)) {
                return;
            }
            after.put("version", 3);
            try {
                storage.retryingAlso(alsoTransient).put("/storage/v1/b/" + bucket + "/iam", after);
                return;
            } catch (GoogleRest.GoogleApiException e) {
                if (e.httpStatus() == 412 && Instant.now().isBefore(deadline)) {
                    sleep(pause);
                    pause = Math.min(pause * 2, 5_000);
                    continue;
                }
                if (e.httpStatus() == 403) {
                    throw new ProvisionException(
                            "could not " + what + " on gs://" + bucket + " (" + e.getMessage()
                                    + "): jcloud needs storage.buckets.getIamPolicy and setIamPolicy on it (e.g. roles/storage.admin)",
                            e);
                }
                throw e;
            }
        }
    }

    /** The policy's bindings without the one titled {@code title}. */
    private static ArrayNode without(ObjectNode policy, String title) {
        ArrayNode kept = GoogleRest.JSON.createArrayNode();
        for (JsonNode b : policy.path("bindings")) {
            if (!title.equals(b.path("condition").path("title").asText(null))) {
                kept.add(b);
            }
        }
        policy.set("bindings", kept);
        return kept;
    }

    private Optional<JsonNode> object(String name) {
        try {
            return Optional.of(storage.get("/storage/v1/b/" + bucket + "/o/" + enc(name)));
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static boolean matches(JsonNode object, String md5, long size) {
        return md5.equals(object.path("md5Hash").asText())
                && Long.toString(size).equals(object.path("size").asText());
    }

    /** The bundle's MD5 as Cloud Storage reports it (base64), to compare bytes without downloading them. */
    private static String md5(EngineBundle bundle) {
        try (InputStream in = Files.newInputStream(bundle.file())) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md5.update(buffer, 0, n);
            }
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine bundle " + bundle.file() + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(EngineBundle bundle) {
        try {
            return Files.size(bundle.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine bundle " + bundle.file() + ": " + e.getMessage(), e);
        }
    }

    /** A path segment or query value: object names' {@code /} must be {@code %2F}. */
    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while updating the engine bucket's IAM policy", e);
        }
    }
}
