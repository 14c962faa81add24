package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The Cloud Storage JSON API endpoints the engine upload uses, written from the API reference and
 * served by {@link FakeComputeEngine} on its port (same root, as with a real {@code gcp.endpoint}):
 *
 * <ul>
 *   <li>buckets list ({@code GET /storage/v1/b?project=P}, one page), get and insert
 *       ({@code POST /storage/v1/b?project=P}; 409 {@code conflict} for a
 *       name taken by someone else ({@link #foreignBucket}), who also get 403 on get);</li>
 *   <li>objects list ({@code GET /storage/v1/b/B/o?prefix=}, one page) and delete (204);</li>
 *   <li>objects get ({@code /storage/v1/b/B/o/NAME}, the name's {@code /} as {@code %2F}), with
 *       {@code alt=media} the bytes; media upload ({@code POST /upload/storage/v1/b/B/o?uploadType=media&name=}
 *       with {@code ifGenerationMatch}, 412 {@code conditionNotMet} when it does not hold);</li>
 *   <li>bucket getIamPolicy/setIamPolicy ({@code GET|PUT /storage/v1/b/B/iam}) with etags (412 on a
 *       stale one), version 3 for conditions, conditions only with uniform bucket-level access.</li>
 * </ul>
 *
 * <p>Requests without an {@code Authorization} header act as the project's owner (the tests' provider
 * has no credentials). A request with a token from {@link #issueToken} acts as that member, and for
 * it object reads are checked against the bucket's policy: {@code roles/storage.objectViewer}
 * bindings whose condition is absent or of the form {@code resource.name.startsWith("...")} (the
 * only form evaluated). Errors are the JSON API's {@code {"error": {"code", "message", "errors":
 * [{"domain", "reason", "message"}]}}}.
 */
final class FakeCloudStorage {

    static final String PROJECT_NUMBER = "123456789";
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");
    private static final Pattern STARTS_WITH = Pattern.compile("resource\\.name\\.startsWith\\(\"([^\"]*)\"\\)");

    /** An answer: status, content type and bytes. */
    record Answer(int status, String contentType, byte[] body) {}

    private final ObjectMapper json = new ObjectMapper();
    private final String project;
    private final Map<String, ObjectNode> buckets = new LinkedHashMap<>();
    private final Map<String, ObjectNode> policies = new LinkedHashMap<>();
    private final Map<String, ObjectNode> objects = new LinkedHashMap<>(); // bucket/name
    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final Set<String> foreign = new LinkedHashSet<>();
    private final Map<String, String> tokens = new LinkedHashMap<>(); // token -> member
    private long generations = 1_700_000_000_000_000L;
    private long etags = 1;
    private int concurrentPolicyChanges;
    private java.util.function.Predicate<String> accountKnown = email -> true;
    private long grantPropagationMillis;
    private final Map<String, Long> grantFrom = new LinkedHashMap<>(); // bucket -> epoch millis

    FakeCloudStorage(String project) {
        this.project = project;
    }

    static boolean serves(String rawPath) {
        return rawPath.startsWith("/storage/v1/") || rawPath.startsWith("/upload/storage/v1/");
    }

    void reset() {
        buckets.clear();
        policies.clear();
        objects.clear();
        contents.clear();
        foreign.clear();
        tokens.clear();
        concurrentPolicyChanges = 0;
        grantPropagationMillis = 0;
        grantFrom.clear();
    }

    /** Which service accounts IAM knows (the parent fake's, with its propagation delay). */
    void accountKnown(java.util.function.Predicate<String> known) {
        accountKnown = known;
    }

    /** Reads with a token are refused until this long after the bucket's policy was last set. */
    void grantPropagation(long millis) {
        grantPropagationMillis = millis;
    }

    // ---------------------------------------------------------------- test controls (callers hold the fake's lock)

    /** A bucket name that exists, owned by another project. */
    void foreignBucket(String name) {
        foreign.add(name);
    }

    /** An access token that acts as {@code member} (e.g. {@code serviceAccount:x@p.iam.gserviceaccount.com}). */
    String issueToken(String member) {
        String token = "ya29.fake-" + tokens.size() + "-" + Integer.toHexString(member.hashCode());
        tokens.put(token, member);
        return token;
    }

    /** The next {@code n} bucket setIamPolicy calls find that someone else changed the policy first. */
    void concurrentPolicyChanges(int n) {
        concurrentPolicyChanges = n;
    }

    JsonNode bucket(String name) {
        ObjectNode b = buckets.get(name);
        return b == null ? null : b.deepCopy();
    }

    JsonNode policy(String bucket) {
        ObjectNode p = policies.get(bucket);
        return p == null ? null : p.deepCopy();
    }

    byte[] content(String bucket, String object) {
        return contents.get(bucket + "/" + object);
    }

    int objectCount() {
        return objects.size();
    }

    // ---------------------------------------------------------------- HTTP

    Answer handle(String method, String rawPath, Map<String, String> q, byte[] body, String authorization) {
        try {
            String member = null;
            if (authorization != null) {
                member = authorization.startsWith("Bearer ") ? tokens.get(authorization.substring(7)) : null;
                if (member == null) {
                    throw error(401, "authError", "Invalid Credentials");
                }
            }
            return route(method, rawPath, q, body, member);
        } catch (FakeComputeEngine.ApiError e) {
            return new Answer(
                    e.status,
                    "application/json; charset=UTF-8",
                    e.body.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private Answer route(String method, String rawPath, Map<String, String> q, byte[] body, String member) {
        Matcher m;
        if (rawPath.equals("/storage/v1/b") && method.equals("POST")) {
            return ok(insertBucket(q, read(body)));
        }
        if (rawPath.equals("/storage/v1/b") && method.equals("GET")) {
            return ok(listBuckets(q));
        }
        if ((m = match("/upload/storage/v1/b/([^/]+)/o", rawPath)) != null && method.equals("POST")) {
            return ok(upload(m.group(1), q, body));
        }
        if ((m = match("/storage/v1/b/([^/]+)/iam", rawPath)) != null) {
            String bucket = existing(m.group(1));
            return switch (method) {
                case "GET" -> ok(getPolicy(bucket, q));
                case "PUT" -> ok(setPolicy(bucket, read(body)));
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("/storage/v1/b/([^/]+)/o", rawPath)) != null && method.equals("GET")) {
            return ok(listObjects(existing(m.group(1)), q.getOrDefault("prefix", "")));
        }
        if ((m = match("/storage/v1/b/([^/]+)/o/([^/]+)", rawPath)) != null && method.equals("PATCH")) {
            // Object metadata patch; only customTime, which (as on Cloud Storage) may not move back.
            String key = existing(m.group(1)) + "/" + URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
            ObjectNode o = objects.get(key);
            if (o == null) {
                throw error(404, "notFound", "No such object: " + key);
            }
            JsonNode patch = read(body);
            if (patch.hasNonNull("customTime")) {
                java.time.Instant t =
                        java.time.Instant.parse(patch.get("customTime").asText());
                if (o.hasNonNull("customTime")
                        && t.isBefore(
                                java.time.Instant.parse(o.get("customTime").asText()))) {
                    throw error(400, "invalid", "customTime may not be decreased");
                }
                o.put("customTime", t.toString());
            }
            o.put("updated", now());
            return ok(o);
        }
        if ((m = match("/storage/v1/b/([^/]+)/o/([^/]+)", rawPath)) != null && method.equals("DELETE")) {
            String key = existing(m.group(1)) + "/" + URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
            if (objects.remove(key) == null) {
                throw error(404, "notFound", "No such object: " + key);
            }
            contents.remove(key);
            return new Answer(204, "application/json", new byte[0]);
        }
        if ((m = match("/storage/v1/b/([^/]+)/o/([^/]+)", rawPath)) != null && method.equals("GET")) {
            String bucket = existing(m.group(1));
            String name = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
            ObjectNode o = objects.get(bucket + "/" + name);
            if (member != null && !mayRead(member, bucket, name)) {
                throw error(
                        403,
                        "forbidden",
                        member.substring(member.indexOf(':') + 1) + " does not have"
                                + " storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get'"
                                + " denied on resource (or it may not exist).");
            }
            if (o == null) {
                throw error(404, "notFound", "No such object: " + bucket + "/" + name);
            }
            if ("media".equals(q.get("alt"))) {
                return new Answer(
                        200,
                        o.path("contentType").asText("application/octet-stream"),
                        contents.get(bucket + "/" + name));
            }
            return ok(o);
        }
        if ((m = match("/storage/v1/b/([^/]+)", rawPath)) != null && method.equals("GET")) {
            return ok(buckets.get(existing(m.group(1))));
        }
        throw error(404, "notFound", "Not Found");
    }

    /** Buckets list ({@code GET /storage/v1/b?project=P}, one page): {@code kind} and {@code items}, none when empty. */
    private JsonNode listBuckets(Map<String, String> q) {
        if (!q.containsKey("project")) {
            throw error(400, "required", "Required parameter: project");
        }
        ObjectNode out = json.createObjectNode();
        out.put("kind", "storage#buckets");
        if (q.get("project").equals(project) && !buckets.isEmpty()) {
            ArrayNode items = out.putArray("items");
            buckets.values().forEach(b -> items.add(b.deepCopy()));
        }
        return out;
    }

    private JsonNode insertBucket(Map<String, String> q, JsonNode body) {
        if (!q.containsKey("project")) {
            throw error(400, "required", "Required parameter: project");
        }
        if (!q.get("project").equals(project)) {
            throw error(
                    403,
                    "forbidden",
                    "fake@jcloud.test does not have storage.buckets.create access to the Google Cloud"
                            + " project. Permission 'storage.buckets.create' denied on resource (or it may not exist).");
        }
        String name = body.path("name").asText("");
        if (!BUCKET_NAME.matcher(name).matches() || name.startsWith("goog") || name.contains("google")) {
            throw error(400, "invalid", "Invalid bucket name: '" + name + "'");
        }
        if (foreign.contains(name)) {
            throw error(
                    409,
                    "conflict",
                    "The requested bucket name is not available. The bucket namespace is shared by"
                            + " all users of the system. Please select a different name and try again.");
        }
        if (buckets.containsKey(name)) {
            throw error(
                    409,
                    "conflict",
                    "Your previous request to create the named bucket succeeded and you already own it.");
        }
        String location = body.path("location").asText("US").toUpperCase(Locale.ROOT);
        if (!location.matches("[A-Z0-9-]+")) {
            throw error(400, "invalid", "Invalid location: " + location);
        }
        body.path("labels").fields().forEachRemaining(e -> {
            if (!e.getKey().matches("[a-z][a-z0-9_-]{0,62}")
                    || !e.getValue().asText().matches("[a-z0-9_-]{0,63}")) {
                throw error(
                        400,
                        "invalid",
                        "Invalid argument: label " + e.getKey() + "="
                                + e.getValue().asText());
            }
        });
        String pap =
                body.path("iamConfiguration").path("publicAccessPrevention").asText("inherited");
        if (!pap.equals("enforced") && !pap.equals("inherited")) {
            throw error(400, "invalid", "Invalid argument: publicAccessPrevention " + pap);
        }
        boolean uniform = body.path("iamConfiguration")
                .path("uniformBucketLevelAccess")
                .path("enabled")
                .asBoolean(false);
        String now = now();
        ObjectNode b = json.createObjectNode();
        b.put("kind", "storage#bucket");
        b.put("selfLink", "https://www.googleapis.com/storage/v1/b/" + name);
        b.put("id", name);
        b.put("name", name);
        b.put("projectNumber", PROJECT_NUMBER);
        b.put("generation", Long.toString(++generations));
        b.put("metageneration", "1");
        b.put("location", location);
        b.put("storageClass", body.path("storageClass").asText("STANDARD"));
        b.put("etag", "CAE=");
        b.put("timeCreated", now);
        b.put("updated", now);
        if (body.has("labels")) {
            b.set("labels", body.get("labels").deepCopy());
        }
        ObjectNode iam = b.putObject("iamConfiguration");
        iam.putObject("bucketPolicyOnly").put("enabled", uniform);
        iam.putObject("uniformBucketLevelAccess").put("enabled", uniform);
        if (uniform) {
            ((ObjectNode) iam.get("bucketPolicyOnly")).put("lockedTime", now);
            ((ObjectNode) iam.get("uniformBucketLevelAccess")).put("lockedTime", now);
        }
        iam.put("publicAccessPrevention", pap);
        b.put("locationType", location.contains("-") ? "region" : "multi-region");
        b.put("rpo", "DEFAULT");
        buckets.put(name, b);
        // A new bucket's policy: the project's owners and editors own it, viewers read it.
        ObjectNode p = json.createObjectNode();
        p.put("kind", "storage#policy");
        p.put("resourceId", "projects/_/buckets/" + name);
        p.put("version", 1);
        ArrayNode bindings = p.putArray("bindings");
        ObjectNode owner = bindings.addObject();
        owner.put("role", "roles/storage.legacyBucketOwner");
        owner.putArray("members").add("projectEditor:" + project).add("projectOwner:" + project);
        ObjectNode reader = bindings.addObject();
        reader.put("role", "roles/storage.legacyBucketReader");
        reader.putArray("members").add("projectViewer:" + project);
        p.put("etag", "CAE=");
        policies.put(name, p);
        return b;
    }

    private JsonNode upload(String bucket, Map<String, String> q, byte[] body) {
        existing(bucket);
        if (!"media".equals(q.get("uploadType"))) {
            throw error(
                    400,
                    "invalid",
                    "Upload requests must include an uploadType URL parameter and a URL path beginning"
                            + " with /upload/");
        }
        String name = q.get("name");
        if (name == null || name.isEmpty()) {
            throw error(400, "required", "Required");
        }
        ObjectNode old = objects.get(bucket + "/" + name);
        if (q.containsKey("ifGenerationMatch")) {
            String current = old == null ? "0" : old.get("generation").asText();
            if (!current.equals(q.get("ifGenerationMatch"))) {
                throw error(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
            }
        }
        String generation = Long.toString(++generations);
        String now = now();
        String enc = URLEncoder.encode(name, StandardCharsets.UTF_8);
        ObjectNode o = json.createObjectNode();
        o.put("kind", "storage#object");
        o.put("id", bucket + "/" + name + "/" + generation);
        o.put("selfLink", "https://www.googleapis.com/storage/v1/b/" + bucket + "/o/" + enc);
        o.put(
                "mediaLink",
                "https://storage.googleapis.com/download/storage/v1/b/" + bucket + "/o/" + enc + "?generation="
                        + generation + "&alt=media");
        o.put("name", name);
        o.put("bucket", bucket);
        o.put("generation", generation);
        o.put("metageneration", "1");
        o.put("contentType", "application/gzip");
        o.put("storageClass", "STANDARD");
        o.put("size", Long.toString(body.length));
        o.put("md5Hash", Base64.getEncoder().encodeToString(digest("MD5", body)));
        CRC32C crc = new CRC32C();
        crc.update(body);
        o.put(
                "crc32c",
                Base64.getEncoder()
                        .encodeToString(ByteBuffer.allocate(4)
                                .putInt((int) crc.getValue())
                                .array()));
        o.put("etag", Base64.getEncoder().encodeToString(generation.getBytes(StandardCharsets.UTF_8)));
        o.put("timeCreated", now);
        o.put("updated", now);
        o.put("timeStorageClassUpdated", now);
        objects.put(bucket + "/" + name, o);
        contents.put(bucket + "/" + name, body.clone());
        return o;
    }

    private JsonNode getPolicy(String bucket, Map<String, String> q) {
        ObjectNode p = policies.get(bucket).deepCopy();
        int requested = Integer.parseInt(q.getOrDefault("optionsRequestedPolicyVersion", "1"));
        boolean conditions = false;
        for (JsonNode b : p.path("bindings")) {
            conditions |= b.has("condition");
        }
        if (conditions && requested < 3) {
            throw error(
                    400,
                    "invalid",
                    "The requested policy version is not supported: policies with conditions need"
                            + " optionsRequestedPolicyVersion=3.");
        }
        return p;
    }

    /**
     * A policy etag as Cloud Storage writes it: base64 of the policy's version (a protobuf varint
     * field 1, so the first is {@code CAE=}). Clients decode it (gcloud refuses an etag that is not
     * base64), so it must be valid base64, not only opaque text.
     */
    static String policyEtag(long version) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x08);
        long v = version;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private JsonNode setPolicy(String bucket, JsonNode body) {
        ObjectNode current = policies.get(bucket);
        if (concurrentPolicyChanges > 0) {
            concurrentPolicyChanges--;
            current.put("etag", policyEtag(++etags)); // somebody else wrote meanwhile
        }
        if (body.has("etag")
                && !body.get("etag").asText().equals(current.get("etag").asText())) {
            throw error(412, "conditionNotMet", "Precondition Failed");
        }
        boolean conditions = false;
        for (JsonNode b : body.path("bindings")) {
            if (!b.path("role").asText("").startsWith("roles/")) {
                throw error(400, "invalid", "Role " + b.path("role").asText() + " is not a valid role.");
            }
            if (b.has("condition")) {
                conditions = true;
                if (b.path("condition").path("title").asText("").isEmpty()
                        || b.path("condition").path("expression").asText("").isEmpty()) {
                    throw error(400, "invalid", "A condition needs a title and an expression.");
                }
            }
            for (JsonNode m : b.path("members")) {
                if (m.asText().startsWith("serviceAccount:")
                        && m.asText().endsWith("@" + project + ".iam.gserviceaccount.com")
                        && !accountKnown.test(m.asText().substring("serviceAccount:".length()))) {
                    throw error(
                            400,
                            "invalid",
                            "Service account " + m.asText().substring("serviceAccount:".length()) + " does not exist.");
                }
                if (m.asText().equals("allUsers") || m.asText().equals("allAuthenticatedUsers")) {
                    throw error(
                            412,
                            "conditionNotMet",
                            "The member bindings allUsers and allAuthenticatedUsers are not"
                                    + " allowed since public access prevention is enforced.");
                }
            }
        }
        if (conditions && body.path("version").asInt(1) < 3) {
            throw error(400, "invalid", "Invalid argument: a policy with conditions must have version 3.");
        }
        if (conditions
                && !buckets.get(bucket)
                        .path("iamConfiguration")
                        .path("uniformBucketLevelAccess")
                        .path("enabled")
                        .asBoolean()) {
            throw error(
                    400,
                    "invalid",
                    "IAM conditions can only be used on buckets with uniform bucket-level access" + " enabled.");
        }
        ObjectNode p = json.createObjectNode();
        p.put("kind", "storage#policy");
        p.put("resourceId", "projects/_/buckets/" + bucket);
        p.put("version", body.path("version").asInt(1));
        p.set(
                "bindings",
                body.path("bindings").isMissingNode()
                        ? json.createArrayNode()
                        : body.get("bindings").deepCopy());
        p.put("etag", policyEtag(++etags));
        policies.put(bucket, p);
        grantFrom.put(bucket, System.currentTimeMillis() + grantPropagationMillis);
        return p.deepCopy();
    }

    private boolean mayRead(String member, String bucket, String object) {
        if (System.currentTimeMillis() < grantFrom.getOrDefault(bucket, 0L)) {
            return false;
        }
        String resource = "projects/_/buckets/" + bucket + "/objects/" + object;
        for (JsonNode b : policies.get(bucket).path("bindings")) {
            boolean role = b.path("role").asText().equals("roles/storage.objectViewer");
            boolean listed = false;
            for (JsonNode m : b.path("members")) {
                listed |= m.asText().equals(member);
            }
            if (!role || !listed) {
                continue;
            }
            if (!b.has("condition")) {
                return true;
            }
            Matcher m =
                    STARTS_WITH.matcher(b.path("condition").path("expression").asText());
            if (m.matches() && resource.startsWith(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    private String existing(String bucket) {
        if (foreign.contains(bucket)) {
            throw error(
                    403,
                    "forbidden",
                    "fake@jcloud.test does not have storage.buckets.get access to the Google Cloud"
                            + " Storage bucket. Permission 'storage.buckets.get' denied on resource (or it may not exist).");
        }
        if (!buckets.containsKey(bucket)) {
            throw error(404, "notFound", "The specified bucket does not exist.");
        }
        return bucket;
    }

    private JsonNode read(byte[] body) {
        try {
            return body.length == 0 ? json.createObjectNode() : json.readTree(body);
        } catch (java.io.IOException e) {
            throw error(400, "parseError", "Parse Error");
        }
    }

    private Answer ok(JsonNode node) {
        return new Answer(
                200, "application/json; charset=UTF-8", node.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static FakeComputeEngine.ApiError error(int code, String reason, String message) {
        return FakeComputeEngine.computeError(code, reason, message);
    }

    private static FakeComputeEngine.ApiError notAllowed(String method) {
        return error(405, "methodNotAllowed", "HTTP method " + method + " is not supported by this URL");
    }

    private static Matcher match(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.matches() ? m : null;
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** objects.list: one page holds everything (the API pages at 1,000; these tests never get near). */
    private ObjectNode listObjects(String bucket, String prefix) {
        ObjectNode page = json.createObjectNode();
        page.put("kind", "storage#objects");
        var items = page.putArray("items");
        objects.forEach((key, o) -> {
            if (key.startsWith(bucket + "/" + prefix)) {
                items.add(o);
            }
        });
        return page;
    }

    /** Back-dates an object's creation, as if it had been uploaded {@code age} ago. */
    void age(String bucket, String name, java.time.Duration age) {
        objects.get(bucket + "/" + name)
                .put(
                        "timeCreated",
                        OffsetDateTime.now(ZoneOffset.UTC)
                                .minus(age)
                                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")));
    }

    private static String now() {
        return OffsetDateTime.now(ZoneOffset.UTC)
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
    }
}
