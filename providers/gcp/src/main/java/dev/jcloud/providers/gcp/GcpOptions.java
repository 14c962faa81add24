package dev.jcloud.providers.gcp;

import dev.jcloud.config.SettingKey;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Compute Engine settings of a cluster, read from {@link ClusterContext#options()} (so that
 * {@code scale} and {@code down} in another process use the same ones) and validated before
 * anything is created. Every error names the option and what it accepts.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>key</th><th>default</th><th>what</th></tr>
 *   <tr><td>{@code gcp.project}</td><td>(required)</td><td>project id</td></tr>
 *   <tr><td>{@code gcp.zone}</td><td>us-central1-a</td><td>zone of the scheduler, and first zone for workers</td></tr>
 *   <tr><td>{@code gcp.zones}</td><td>none</td><td>other zones of the same region to fall back to on
 *       {@code ZONE_RESOURCE_POOL_EXHAUSTED} or quota errors (comma-separated)</td></tr>
 *   <tr><td>{@code gcp.machine-type}</td><td>e2-standard-2</td><td>workers' machine type</td></tr>
 *   <tr><td>{@code gcp.scheduler-machine-type}</td><td>e2-standard-2</td><td>scheduler's machine type</td></tr>
 *   <tr><td>{@code gcp.spot}</td><td>false</td><td>workers as Spot VMs (deleted on preemption), on-demand when refused</td></tr>
 *   <tr><td>{@code gcp.network}</td><td>default</td><td>VPC network (name or {@code projects/P/global/networks/N})</td></tr>
 *   <tr><td>{@code gcp.subnetwork}</td><td>none</td><td>subnetwork of the zone's region (needs {@code gcp.network})</td></tr>
 *   <tr><td>{@code gcp.allow-from}</td><td>caller's address /32</td><td>CIDRs allowed to reach the scheduler and dashboard</td></tr>
 *   <tr><td>{@code gcp.image}</td><td>{@value #DEFAULT_IMAGE}</td><td>boot image or image family</td></tr>
 *   <tr><td>{@code gcp.boot-disk-gb}</td><td>20</td><td>boot disk size</td></tr>
 *   <tr><td>{@code gcp.engine-url}, {@code gcp.engine-sha256}</td><td>none: this jcloud's engine is uploaded</td><td>where
 *       machines download the engine instead, and its SHA-256 (both or neither)</td></tr>
 *   <tr><td>{@code gcp.engine-bucket}</td><td>{@code jcloud-engine-<project>}</td><td>the private Cloud Storage bucket
 *       the engine is uploaded to ({@link EngineUploads}); bucket names are global, so name another one when the
 *       default is taken</td></tr>
 *   <tr><td>{@code gcp.max-workers}</td><td>1000</td><td>hard limit, enforced where instances are created</td></tr>
 *   <tr><td>{@code gcp.service-account}</td><td>one made per cluster</td><td>an existing service account email to run the machines as instead</td></tr>
 *   <tr><td>{@code gcp.operation-timeout}</td><td>600</td><td>seconds to wait for one long-running operation</td></tr>
 *   <tr><td>{@code gcp.label.<key>}</td><td></td><td>user labels on every resource that has labels</td></tr>
 *   <tr><td>{@code gcp.endpoint}</td><td>Google's</td><td>API root override (an emulator or fake); plain http only on loopback, and then without credentials</td></tr>
 * </table>
 */
public record GcpOptions(
        String project,
        String zone,
        List<String> fallbackZones,
        String machineType,
        String schedulerMachineType,
        boolean spot,
        String network,
        Optional<String> subnetwork,
        List<String> allowFrom,
        String image,
        int bootDiskGb,
        Optional<URI> engineUrl,
        Optional<String> engineSha256,
        String engineBucket,
        int maxWorkers,
        Optional<String> serviceAccount,
        Duration operationTimeout,
        Map<String, String> userLabels,
        Optional<URI> endpoint) {

    public static final String PROJECT = "gcp.project";
    public static final String ZONE = "gcp.zone";
    public static final String ZONES = "gcp.zones";
    public static final String MACHINE_TYPE = "gcp.machine-type";
    public static final String SCHEDULER_MACHINE_TYPE = "gcp.scheduler-machine-type";
    public static final String SPOT = "gcp.spot";
    public static final String NETWORK = "gcp.network";
    public static final String SUBNETWORK = "gcp.subnetwork";
    public static final String ALLOW_FROM = "gcp.allow-from";
    public static final String IMAGE = "gcp.image";
    public static final String BOOT_DISK_GB = "gcp.boot-disk-gb";
    public static final String ENGINE_URL = "gcp.engine-url";
    public static final String ENGINE_SHA256 = "gcp.engine-sha256";
    public static final String ENGINE_BUCKET = "gcp.engine-bucket";
    public static final String MAX_WORKERS = "gcp.max-workers";
    public static final String SERVICE_ACCOUNT = "gcp.service-account";
    public static final String OPERATION_TIMEOUT = "gcp.operation-timeout";
    public static final String LABEL_PREFIX = "gcp.label.";
    public static final String ENDPOINT = "gcp.endpoint";
    /** How long one operation may take; not a user setting (tests shorten it). */
    private static final SettingKey<Integer> OPERATION_TIMEOUT_SECONDS =
            SettingKey.wholeNumber(OPERATION_TIMEOUT, 600, 1, 86_400);

    static final String DEFAULT_ZONE = "us-central1-a";
    /** Debian 12 ships {@code openjdk-17-jre-headless}, which the boot script installs. */
    static final String DEFAULT_IMAGE = "projects/debian-cloud/global/images/family/debian-12";

    // Project ids: 6-30 lower-case letters, digits or hyphens, starting with a letter; optionally domain-scoped.
    static final Pattern PROJECT_ID = Pattern.compile("([a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]");
    static final Pattern ZONE_NAME = Pattern.compile("[a-z]+-[a-z]+[0-9]{1,2}-[a-z]");
    static final Pattern MACHINE_TYPE_NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)+");
    /** Names of Compute Engine resources (RFC 1035 labels). */
    static final Pattern RESOURCE_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

    private static final Pattern NETWORK_PATH = Pattern.compile("projects/([^/]+)/global/networks/([^/]+)");
    private static final Pattern SUBNETWORK_PATH =
            Pattern.compile("projects/([^/]+)/regions/([^/]+)/subnetworks/([^/]+)");
    private static final Pattern IMAGE_PATH = Pattern.compile(
            "(https://(www|compute)\\.googleapis\\.com/compute/v1/)?projects/[a-z0-9.:-]+/global/images/(family/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    /** Bucket names without dots (dotted names need domain verification): 3-63 characters. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]");

    private static final Pattern EMAIL = Pattern.compile("[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9.-]*\\.[a-z]{2,}");
    // Label keys: a lower-case letter then up to 62 lower-case letters, digits, '_' or '-'; values up to 63 of those.
    static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
    /** What an id must look like to fit into firewall, service account and instance names. */
    private static final Pattern CLUSTER_ID = Pattern.compile("[a-z0-9]{1,23}");

    /** Whether {@code id} is a cluster id GCP names and labels can carry (what {@link #of} accepts). */
    static boolean validClusterId(String id) {
        return id != null && CLUSTER_ID.matcher(id).matches();
    }

    /** Reads and validates the options; every message names the option and what to do. */
    public static GcpOptions of(ClusterContext cluster) {
        ClusterNames.check(cluster.name());
        if (!CLUSTER_ID.matcher(cluster.id()).matches()) {
            throw new IllegalArgumentException("cluster id '" + cluster.id() + "' cannot be used on GCP: it must be"
                    + " 1 to 23 lower-case letters or digits");
        }
        Map<String, String> o = cluster.options();
        String project = o.get(PROJECT);
        if (project == null || project.isBlank()) {
            throw new IllegalArgumentException(
                    "set the Google Cloud project with " + PROJECT + " (--project), e.g. my-project-123");
        }
        require(
                PROJECT,
                project,
                PROJECT_ID,
                "a project id: 6-30 lower-case letters, digits or hyphens, starting with a letter");
        String zone = o.getOrDefault(ZONE, DEFAULT_ZONE);
        require(ZONE, zone, ZONE_NAME, "a zone such as us-central1-a or europe-west1-b");
        String region = region(zone);
        Set<String> fallback = new LinkedHashSet<>();
        if (o.containsKey(ZONES) && !o.get(ZONES).isBlank()) {
            for (String z : o.get(ZONES).split(",")) {
                String other = z.strip();
                require(ZONES, other, ZONE_NAME, "zones such as us-central1-b,us-central1-c");
                if (!region(other).equals(region)) {
                    throw invalid(
                            ZONES,
                            other,
                            "zones of region " + region + " (the region of " + ZONE + " " + zone
                                    + "): workers and scheduler talk over the region's private network");
                }
                if (!other.equals(zone)) {
                    fallback.add(other);
                }
            }
        }
        String machineType = GcpSettings.MACHINE_TYPE.read(o);
        require(MACHINE_TYPE, machineType, MACHINE_TYPE_NAME, "a machine type such as e2-standard-4 or n2-highmem-8");
        String schedulerType = GcpSettings.SCHEDULER_MACHINE_TYPE.read(o);
        require(SCHEDULER_MACHINE_TYPE, schedulerType, MACHINE_TYPE_NAME, "a machine type such as e2-standard-2");
        boolean spot = GcpSettings.SPOT.read(o);
        String network = network(project, o.get(NETWORK));
        Optional<String> subnetwork = Optional.ofNullable(o.get(SUBNETWORK)).map(s -> subnetwork(project, region, s));
        if (subnetwork.isPresent() && !o.containsKey(NETWORK)) {
            throw new IllegalArgumentException(SUBNETWORK + " needs " + NETWORK + " too: the VPC network the subnetwork"
                    + " belongs to, which the cluster's firewall rules are created in");
        }
        List<String> allowFrom =
                GcpSettings.ALLOW_FROM.read(o).map(v -> List.of(v.split(","))).orElse(List.of());
        String image = o.getOrDefault(IMAGE, DEFAULT_IMAGE);
        require(
                IMAGE,
                image,
                IMAGE_PATH,
                "an image such as " + DEFAULT_IMAGE
                        + " or projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts");
        int bootDiskGb = GcpSettings.BOOT_DISK_GB.read(o);
        Optional<URI> engineUrl = Optional.ofNullable(o.get(ENGINE_URL)).map(u -> uri(ENGINE_URL, u));
        Optional<String> engineSha = Optional.ofNullable(o.get(ENGINE_SHA256));
        if (engineUrl.isPresent() != engineSha.isPresent()) {
            throw new IllegalArgumentException(
                    "set both " + ENGINE_URL + " and " + ENGINE_SHA256 + " (an engine of your"
                            + " own and its SHA-256), or neither to upload this jcloud's engine to Cloud Storage");
        }
        String engineBucket = o.getOrDefault(ENGINE_BUCKET, EngineUploads.defaultBucket(project));
        if (!BUCKET_NAME.matcher(engineBucket).matches()
                || engineBucket.startsWith("goog")
                || engineBucket.contains("google")) {
            throw invalid(
                    ENGINE_BUCKET,
                    engineBucket,
                    "a Cloud Storage bucket name of 3-63 lower-case letters, digits,"
                            + " '-' or '_' (no dots, not starting with 'goog', without 'google')");
        }
        int maxWorkers = GcpSettings.MAX_WORKERS.read(o);
        Optional<String> serviceAccount = Optional.ofNullable(o.get(SERVICE_ACCOUNT));
        serviceAccount.ifPresent(s -> require(
                SERVICE_ACCOUNT,
                s,
                EMAIL,
                "a service account email such as runner@my-project.iam.gserviceaccount.com"));
        Duration operationTimeout = Duration.ofSeconds(OPERATION_TIMEOUT_SECONDS.read(o));
        Map<String, String> labels = new LinkedHashMap<>();
        o.forEach((k, v) -> {
            if (k.startsWith(LABEL_PREFIX)) {
                String key = k.substring(LABEL_PREFIX.length());
                if (!LABEL_KEY.matcher(key).matches() || key.startsWith(Labels.PREFIX)) {
                    throw invalid(
                            k,
                            key,
                            "a label key of 1-63 lower-case letters, digits, '_' or '-', starting with a"
                                    + " letter and not with '" + Labels.PREFIX + "' (GCP label rules)");
                }
                if (!LABEL_VALUE.matcher(v).matches()) {
                    throw invalid(
                            k, v, "a label value of up to 63 lower-case letters, digits, '_' or '-' (GCP label rules)");
                }
                labels.put(key, v);
            }
        });
        if (labels.size() > Labels.MAX_USER_LABELS) {
            throw new IllegalArgumentException("too many " + LABEL_PREFIX + "* options (" + labels.size()
                    + "): GCP allows 64 labels per resource and jcloud uses " + (64 - Labels.MAX_USER_LABELS));
        }
        Optional<URI> endpoint = Optional.ofNullable(o.get(ENDPOINT)).map(GcpOptions::endpoint);
        return new GcpOptions(
                project,
                zone,
                List.copyOf(fallback),
                machineType,
                schedulerType,
                spot,
                network,
                subnetwork,
                List.copyOf(allowFrom),
                image,
                bootDiskGb,
                engineUrl,
                engineSha,
                engineBucket,
                maxWorkers,
                serviceAccount,
                operationTimeout,
                Map.copyOf(labels),
                endpoint);
    }

    /** The region of a zone: {@code us-central1-a} is in {@code us-central1}. */
    static String region(String zone) {
        return zone.substring(0, zone.lastIndexOf('-'));
    }

    /** This cluster's region. */
    public String region() {
        return region(zone);
    }

    /** {@link #zone()} first, then the fallback zones. */
    public List<String> zones() {
        List<String> all = new ArrayList<>();
        all.add(zone);
        all.addAll(fallbackZones);
        return all;
    }

    private static String network(String project, String value) {
        if (value == null) {
            return "projects/" + project + "/global/networks/default";
        }
        if (RESOURCE_NAME.matcher(value).matches()) {
            return "projects/" + project + "/global/networks/" + value;
        }
        if (NETWORK_PATH.matcher(value).matches()) {
            return value; // a shared VPC's host project is allowed
        }
        throw invalid(NETWORK, value, "a network name such as default, or projects/PROJECT/global/networks/NAME");
    }

    private static String subnetwork(String project, String region, String value) {
        if (RESOURCE_NAME.matcher(value).matches()) {
            return "projects/" + project + "/regions/" + region + "/subnetworks/" + value;
        }
        var m = SUBNETWORK_PATH.matcher(value);
        if (m.matches()) {
            if (!m.group(2).equals(region)) {
                throw invalid(SUBNETWORK, value, "a subnetwork of region " + region + ", where the cluster's zone is");
            }
            return value;
        }
        throw invalid(
                SUBNETWORK, value, "a subnetwork name, or projects/PROJECT/regions/" + region + "/subnetworks/NAME");
    }

    /** https anywhere; plain http only on a loopback address (an emulator), which then gets no credentials. */
    private static URI endpoint(String value) {
        URI uri = uri(ENDPOINT, value);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost();
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]");
        if (!(scheme.equals("https") || scheme.equals("http") && loopback)
                || (uri.getPath() != null
                        && !uri.getPath().isEmpty()
                        && !uri.getPath().equals("/"))) {
            throw invalid(
                    ENDPOINT,
                    value,
                    "an API root such as https://compute.example.internal, or http://127.0.0.1:PORT"
                            + " for an emulator on this machine (no path)");
        }
        return uri;
    }

    private static URI uri(String option, String value) {
        try {
            URI uri = new URI(value.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw invalid(option, value, "an absolute URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw invalid(option, value, "an absolute URL");
        }
    }

    private static void require(String option, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw invalid(option, value, expected);
        }
    }

    static IllegalArgumentException invalid(String option, String value, String expected) {
        return new IllegalArgumentException("invalid " + option + " '" + value + "': use " + expected);
    }
}
