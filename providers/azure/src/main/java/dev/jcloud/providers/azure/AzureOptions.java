package dev.jcloud.providers.azure;

import dev.jcloud.config.SettingKey;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.elastic.BillingModel;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Azure settings of a cluster, read from {@link ClusterContext#options()} (so that {@code scale}
 * and {@code down} in another process use the same ones) and validated before anything is created:
 * every error names the option, the value and what is accepted.
 *
 * <p>Keys: {@code azure.subscription} (required, a subscription id), {@code azure.location}
 * (default {@value #DEFAULT_LOCATION}), {@code azure.vm-size} (workers) and
 * {@code azure.scheduler-vm-size} (defaults in {@link AzureSettings}), {@code azure.spot}
 * ({@code true}: workers are Spot VMs, evicted by deletion, with on-demand fallback),
 * {@code azure.billing-minimum} (billed minimum per VM start, default 60s), {@code azure.vnet} (an
 * existing virtual network's resource id) with {@code azure.subnet} (a subnet name in it, or alone a
 * subnet's full resource id), {@code azure.allow-from} (comma-separated CIDRs; default the caller's
 * address /32), {@code azure.public-ip} (default {@code true}: the scheduler gets a public address),
 * {@code azure.image} ({@code publisher:offer:sku:version} or an image resource id; default
 * {@value #DEFAULT_IMAGE}), {@code azure.os-disk-gib}, {@code azure.engine-url} and
 * {@code azure.engine-sha256} (both or neither; without them this jcloud's engine is uploaded to the
 * subscription's engine cache, see {@code EngineUploads}), {@code azure.max-workers} (a hard limit enforced where VMs are
 * created), {@code azure.delete-timeout} (seconds), {@code azure.tag.<name>} (user tags) and
 * {@code azure.endpoint} (the Resource Manager root, for tests and sovereign clouds).
 */
public record AzureOptions(
        String subscription,
        String location,
        String vmSize,
        String schedulerVmSize,
        boolean spot,
        Duration billingMinimum,
        Optional<String> vnet,
        Optional<String> subnet,
        List<String> allowFrom,
        boolean publicIp,
        Image image,
        int osDiskGiB,
        Optional<URI> engineUrl,
        Optional<String> engineSha256,
        int maxWorkers,
        Duration deleteTimeout,
        Map<String, String> userTags,
        Optional<URI> endpoint) {

    public static final String SUBSCRIPTION = "azure.subscription";
    public static final String LOCATION = "azure.location";
    public static final String VM_SIZE = "azure.vm-size";
    public static final String SCHEDULER_VM_SIZE = "azure.scheduler-vm-size";
    public static final String SPOT = "azure.spot";
    public static final String BILLING_MINIMUM = "azure.billing-minimum";
    public static final String VNET = "azure.vnet";
    public static final String SUBNET = "azure.subnet";
    public static final String ALLOW_FROM = "azure.allow-from";
    public static final String PUBLIC_IP = "azure.public-ip";
    public static final String IMAGE = "azure.image";
    public static final String OS_DISK_GIB = "azure.os-disk-gib";
    public static final String ENGINE_URL = "azure.engine-url";
    public static final String ENGINE_SHA256 = "azure.engine-sha256";
    public static final String MAX_WORKERS = "azure.max-workers";
    public static final String DELETE_TIMEOUT = "azure.delete-timeout";
    public static final String TAG_PREFIX = "azure.tag.";
    public static final String ENDPOINT = "azure.endpoint";
    /** How long deletes may take; not a user setting (tests shorten it). */
    private static final SettingKey<Integer> DELETE_TIMEOUT_SECONDS =
            SettingKey.wholeNumber(DELETE_TIMEOUT, 1200, 1, 86_400);

    static final String DEFAULT_LOCATION = "eastus";
    /** Ubuntu 24.04 LTS from Canonical: cloud-init runs the custom data, apt-get installs the JRE. */
    static final String DEFAULT_IMAGE = "Canonical:ubuntu-24_04-lts:server:latest";
    /** The largest cluster the dedicated /18 subnet holds (16,379 usable addresses, less the scheduler). */
    static final int WORKER_CEILING = 16_000;

    static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    static final Pattern LOCATION_FORMAT = Pattern.compile("[a-z][a-z0-9]{1,39}");
    static final Pattern VM_SIZE_FORMAT = Pattern.compile("(Standard|Basic)_[A-Za-z0-9_-]{1,60}");
    private static final Pattern VNET_ID = Pattern.compile(
            "/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w._()]{1,90}/providers/Microsoft\\.Network"
                    + "/virtualNetworks/[-\\w._]{2,64}",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SUBNET_NAME = Pattern.compile("[\\w][-\\w.]{0,78}[\\w]|\\w");
    private static final Pattern SUBNET_ID =
            Pattern.compile(VNET_ID.pattern() + "/subnets/(" + SUBNET_NAME.pattern() + ")", Pattern.CASE_INSENSITIVE);
    private static final Pattern URN_PART = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,79}");
    private static final Pattern IMAGE_ID =
            Pattern.compile("/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/.+", Pattern.CASE_INSENSITIVE);

    /**
     * The machine image: a marketplace image ({@code publisher:offer:sku:version}, as {@code az vm create
     * --image} takes it) or the resource id of a custom or gallery image.
     */
    public record Image(String publisher, String offer, String sku, String version, String resourceId) {

        /** Whether this is a resource id rather than a marketplace image. */
        public boolean custom() {
            return resourceId != null;
        }

        @Override
        public String toString() {
            return custom() ? resourceId : publisher + ":" + offer + ":" + sku + ":" + version;
        }
    }

    /** Reads and validates the options; every message names the option and what to do. */
    public static AzureOptions of(ClusterContext cluster) {
        ClusterNames.check(cluster.name());
        return of(cluster.options());
    }

    /** Reads and validates options that belong to no cluster yet (gc, the Java builder). */
    public static AzureOptions of(Map<String, String> o) {
        String subscription = o.get(SUBSCRIPTION);
        if (subscription == null || subscription.isBlank()) {
            throw new IllegalArgumentException(
                    "set the Azure subscription to create the cluster in with " + SUBSCRIPTION
                            + " (--subscription): a subscription id such as 00000000-0000-0000-0000-000000000000,"
                            + " see 'az account show --query id'");
        }
        subscription = subscription.strip();
        require(
                SUBSCRIPTION,
                subscription,
                GUID,
                "a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)");
        String location = o.getOrDefault(LOCATION, DEFAULT_LOCATION).strip();
        require(
                LOCATION,
                location,
                LOCATION_FORMAT,
                "an Azure location name such as eastus or westeurope"
                        + " (lower case, no spaces; see 'az account list-locations -o table')");
        String vmSize = AzureSettings.VM_SIZE.read(o).strip();
        require(VM_SIZE, vmSize, VM_SIZE_FORMAT, "a VM size such as Standard_D4s_v5");
        String schedulerVmSize = AzureSettings.SCHEDULER_VM_SIZE.read(o).strip();
        require(SCHEDULER_VM_SIZE, schedulerVmSize, VM_SIZE_FORMAT, "a VM size such as Standard_D2s_v5");
        boolean spot = AzureSettings.SPOT.read(o);
        Duration billingMinimum = AzureSettings.BILLING_MINIMUM.read(o);

        Optional<String> vnet = Optional.ofNullable(o.get(VNET)).map(String::strip);
        Optional<String> subnet = Optional.ofNullable(o.get(SUBNET)).map(String::strip);
        if (vnet.isPresent()) {
            require(
                    VNET,
                    vnet.get(),
                    VNET_ID,
                    "the resource id of an existing virtual network,"
                            + " /subscriptions/SUB/resourceGroups/GROUP/providers/Microsoft.Network/virtualNetworks/NAME");
            if (subnet.isEmpty()) {
                throw new IllegalArgumentException(
                        SUBNET + " is needed with " + VNET + ": the name of a subnet in " + vnet.get());
            }
            require(SUBNET, subnet.get(), SUBNET_NAME, "the name of a subnet of " + vnet.get());
        } else if (subnet.isPresent()) {
            require(
                    SUBNET,
                    subnet.get(),
                    SUBNET_ID,
                    "the resource id of an existing subnet, .../providers/Microsoft.Network"
                            + "/virtualNetworks/NAME/subnets/NAME (or give " + VNET + " and the subnet's name)");
        }

        List<String> allowFrom =
                AzureSettings.ALLOW_FROM.read(o).map(v -> List.of(v.split(","))).orElse(List.of());
        boolean publicIp = !o.containsKey(PUBLIC_IP) || AzureSettings.PUBLIC_IP.read(o);
        Image image = image(o.getOrDefault(IMAGE, DEFAULT_IMAGE).strip());
        int osDiskGiB = AzureSettings.OS_DISK_GIB.read(o);
        Optional<URI> engineUrl = Optional.ofNullable(o.get(ENGINE_URL)).map(u -> uri(ENGINE_URL, u.strip()));
        Optional<String> engineSha = Optional.ofNullable(o.get(ENGINE_SHA256)).map(String::strip);
        int maxWorkers = AzureSettings.MAX_WORKERS.read(o);
        Duration deleteTimeout = Duration.ofSeconds(DELETE_TIMEOUT_SECONDS.read(o));
        Map<String, String> userTags = new LinkedHashMap<>();
        o.forEach((k, v) -> {
            if (k.startsWith(TAG_PREFIX)) {
                String name = k.substring(TAG_PREFIX.length());
                AzureTags.checkUserTag(k, name, v);
                userTags.put(name, v);
            }
        });
        if (userTags.size() > AzureTags.MAX_USER_TAGS) {
            throw new IllegalArgumentException("too many " + TAG_PREFIX + "* options (" + userTags.size()
                    + "): Azure allows"
                    + " 50 tags per resource and jcloud uses " + (50 - AzureTags.MAX_USER_TAGS) + "; give at most "
                    + AzureTags.MAX_USER_TAGS);
        }
        Optional<URI> endpoint = Optional.ofNullable(o.get(ENDPOINT)).map(e -> {
            URI u = uri(ENDPOINT, e.strip());
            if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                throw invalid(
                        ENDPOINT, e, "an https URL of Azure Resource Manager such as https://management.azure.com/");
            }
            return u;
        });
        return new AzureOptions(
                subscription,
                location,
                vmSize,
                schedulerVmSize,
                spot,
                billingMinimum,
                vnet,
                subnet,
                List.copyOf(allowFrom),
                publicIp,
                image,
                osDiskGiB,
                engineUrl,
                engineSha,
                maxWorkers,
                deleteTimeout,
                Map.copyOf(userTags),
                endpoint);
    }

    /** How Azure bills this cluster's VMs: per second, with {@link #billingMinimum} per start. */
    public BillingModel billingModel() {
        return new BillingModel(billingMinimum.toSeconds());
    }

    /** The id of the subnet the cluster's NICs go into when the user gave one, else empty (a dedicated network). */
    public Optional<String> existingSubnetId() {
        if (vnet.isPresent()) {
            return Optional.of(vnet.get() + "/subnets/" + subnet.orElseThrow());
        }
        return subnet;
    }

    private static Image image(String value) {
        if (IMAGE_ID.matcher(value).matches()) {
            return new Image(null, null, null, null, value);
        }
        String[] parts = value.split(":", -1);
        if (parts.length == 4
                && java.util.Arrays.stream(parts)
                        .allMatch(p -> URN_PART.matcher(p).matches())) {
            return new Image(parts[0], parts[1], parts[2], parts[3], null);
        }
        throw invalid(
                IMAGE,
                value,
                "a marketplace image publisher:offer:sku:version such as " + DEFAULT_IMAGE
                        + ", or the resource id of an image (/subscriptions/.../images/NAME)");
    }

    private static void require(String option, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw invalid(option, value, expected);
        }
    }

    private static URI uri(String key, String value) {
        try {
            return URI.create(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, value, "a URL");
        }
    }

    static IllegalArgumentException invalid(String option, String value, String expected) {
        return new IllegalArgumentException("invalid " + option + " '" + value + "': use " + expected);
    }
}
