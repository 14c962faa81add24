package dev.jcloud.providers.aws;

import dev.jcloud.config.SettingKey;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The EC2 settings of a cluster, read from {@link ClusterContext#options()} (so that {@code scale}
 * and {@code down} in another process use the same ones) and validated before anything is created.
 *
 * <p>Keys: {@code aws.region}, {@code aws.subnet}, {@code aws.vpc} (an id, or {@code new} for a
 * dedicated VPC), {@code aws.allow-from} (comma-separated CIDRs; default the caller's address /32),
 * {@code aws.ami}, {@code aws.scheduler-type}, {@code aws.worker-type},
 * {@code aws.root-volume-gib}, {@code aws.engine-url}, {@code aws.engine-sha256},
 * {@code aws.max-workers}, {@code aws.terminate-timeout}, {@code aws.spot} (workers on the spot
 * market, falling back to on-demand), {@code aws.tag.<key>} (user tags).
 */
public record AwsOptions(
        String region,
        Optional<String> subnet,
        Optional<String> vpc,
        List<String> allowFrom,
        Optional<String> ami,
        String schedulerType,
        String workerType,
        int rootVolumeGiB,
        Optional<URI> engineUrl,
        Optional<String> engineSha256,
        int maxWorkers,
        Duration terminateTimeout,
        Map<String, String> userTags,
        boolean spot) {

    public static final String REGION = "aws.region";
    public static final String SUBNET = "aws.subnet";
    public static final String VPC = "aws.vpc";
    public static final String ALLOW_FROM = "aws.allow-from";
    public static final String AMI = "aws.ami";
    public static final String SCHEDULER_TYPE = "aws.scheduler-type";
    public static final String WORKER_TYPE = "aws.worker-type";
    public static final String ROOT_VOLUME_GIB = "aws.root-volume-gib";
    public static final String ENGINE_URL = "aws.engine-url";
    public static final String ENGINE_SHA256 = "aws.engine-sha256";
    public static final String MAX_WORKERS = "aws.max-workers";
    public static final String TERMINATE_TIMEOUT = "aws.terminate-timeout";
    public static final String TAG_PREFIX = "aws.tag.";
    public static final String SPOT = "aws.spot";
    /** Value of {@link #VPC} that asks for a dedicated VPC even when a default VPC exists. */
    public static final String NEW_VPC = "new";
    /** How long teardown waits for machines to go; not a user setting (tests shorten it). */
    private static final SettingKey<Integer> TERMINATE_TIMEOUT_SECONDS =
            SettingKey.wholeNumber(TERMINATE_TIMEOUT, 600, 1, 86_400);

    static final Pattern SUBNET_ID = Pattern.compile("subnet-[0-9a-f]{8,17}");
    static final Pattern VPC_ID = Pattern.compile("vpc-[0-9a-f]{8,17}");
    static final Pattern AMI_ID = Pattern.compile("ami-[0-9a-f]{8,17}");
    static final Pattern INSTANCE_TYPE = Pattern.compile("[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.[a-z0-9]+");
    // AWS tag keys/values: letters, digits, spaces and _ . : / = + - @ (keys up to 128, values 256).
    private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    /** Reads and validates the options; every message names the option and what to do. */
    public static AwsOptions of(ClusterContext cluster) {
        ClusterNames.check(cluster.name());
        Map<String, String> o = cluster.options();
        String region = AwsSettings.REGION.read(o);
        Optional<String> subnet = Optional.ofNullable(o.get(SUBNET));
        subnet.ifPresent(s -> require(SUBNET, s, SUBNET_ID, "a subnet id such as subnet-0123abcd"));
        Optional<String> vpc = Optional.ofNullable(o.get(VPC));
        vpc.filter(v -> !v.equals(NEW_VPC))
                .ifPresent(v -> require(VPC, v, VPC_ID, "a VPC id such as vpc-0123abcd, or 'new' for a dedicated VPC"));
        if (subnet.isPresent() && vpc.isPresent()) {
            throw new IllegalArgumentException("give either " + SUBNET + " or " + VPC + ", not both");
        }
        List<String> allowFrom =
                AwsSettings.ALLOW_FROM.read(o).map(v -> List.of(v.split(","))).orElse(List.of());
        Optional<String> ami = Optional.ofNullable(o.get(AMI));
        ami.ifPresent(a -> require(AMI, a, AMI_ID, "an AMI id such as ami-0123abcd"));
        String schedulerType = AwsSettings.SCHEDULER_TYPE.read(o);
        require(SCHEDULER_TYPE, schedulerType, INSTANCE_TYPE, "an instance type such as m6i.large");
        String workerType = AwsSettings.WORKER_TYPE.read(o);
        require(WORKER_TYPE, workerType, INSTANCE_TYPE, "an instance type such as m6i.large");
        int rootGiB = AwsSettings.ROOT_VOLUME_GIB.read(o);
        Optional<URI> engineUrl = Optional.ofNullable(o.get(ENGINE_URL)).map(URI::create);
        Optional<String> engineSha = Optional.ofNullable(o.get(ENGINE_SHA256));
        if (engineUrl.isPresent() != engineSha.isPresent()) {
            throw new IllegalArgumentException("give both " + ENGINE_URL + " and " + ENGINE_SHA256
                    + " (the engine's URL and its SHA-256), or neither to upload this jcloud's engine to S3");
        }
        int maxWorkers = AwsSettings.MAX_WORKERS.read(o);
        Duration terminateTimeout = Duration.ofSeconds(TERMINATE_TIMEOUT_SECONDS.read(o));
        Map<String, String> userTags = new LinkedHashMap<>();
        o.forEach((k, v) -> {
            if (k.startsWith(TAG_PREFIX)) {
                String key = k.substring(TAG_PREFIX.length());
                if (key.isEmpty()
                        || key.length() > 128
                        || !TAG_TEXT.matcher(key).matches()
                        || key.toLowerCase(java.util.Locale.ROOT).startsWith("aws:")
                        || key.startsWith("jcloud.")) {
                    throw invalid(
                            k,
                            key,
                            "a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting"
                                    + " with aws: or jcloud.");
                }
                if (v.length() > 256 || !TAG_TEXT.matcher(v).matches()) {
                    throw invalid(k, v, "a tag value of up to 256 letters, digits, spaces or _.:/=+-@");
                }
                userTags.put(key, v);
            }
        });
        boolean spot = AwsSettings.SPOT.read(o);
        return new AwsOptions(
                region,
                subnet,
                vpc,
                List.copyOf(allowFrom),
                ami,
                schedulerType,
                workerType,
                rootGiB,
                engineUrl,
                engineSha,
                maxWorkers,
                terminateTimeout,
                Map.copyOf(userTags),
                spot);
    }

    /** Whether the user asked for a dedicated VPC. */
    public boolean newVpc() {
        return vpc.filter(NEW_VPC::equals).isPresent();
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
