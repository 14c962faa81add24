package dev.jcloud.providers.aws;

import dev.jcloud.config.SettingKey;
import dev.jcloud.provisioner.ClusterContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Fargate settings of a cluster, read from {@link ClusterContext#options()} (so that
 * {@code scale} and {@code down} in another process use the same ones) and validated before
 * anything is created.
 *
 * <p>The shared {@code aws.*} keys come through {@link AwsOptions} (region, subnet, vpc,
 * allow-from, max-workers, terminate-timeout, tags). The Fargate keys:
 * {@code fargate.worker-cpu} and {@code fargate.scheduler-cpu} (Fargate CPU units, 1024 = one
 * vCPU; default 1024), {@code fargate.worker-memory} and {@code fargate.scheduler-memory} (MiB,
 * a size Fargate accepts with that CPU; default 4096), {@code fargate.image} (an engine container
 * image of your own, e.g. built with {@code mvn -Pimage -pl cli -am package -Djcloud.image=...};
 * without it {@code up} builds the image of this jcloud's engine and pushes it to ECR, see
 * {@link EngineImages}), {@code fargate.base-image} (the base of that built image: an image with
 * {@code java} 17 or newer on its {@code PATH}; default {@value #DEFAULT_BASE_IMAGE}),
 * {@code fargate.registry-endpoint} (tests only: where that push goes instead of the registry ECR
 * names, e.g. {@code http://127.0.0.1:5000}),
 * {@code fargate.spot} (workers on FARGATE_SPOT with on-demand fallback; default false),
 * {@code fargate.log-retention-days} (a retention CloudWatch Logs offers; default 7) and
 * {@code fargate.worker-public-ip} (default true: without a NAT gateway or VPC endpoints a task
 * needs a public address to pull its image; inbound traffic is still limited by the group).
 */
public record FargateOptions(
        AwsOptions aws,
        int workerCpu,
        int workerMemoryMiB,
        int schedulerCpu,
        int schedulerMemoryMiB,
        Optional<String> image,
        String baseImage,
        Optional<java.net.URI> registryEndpoint,
        boolean spot,
        int logRetentionDays,
        boolean workerPublicIp) {

    public static final String WORKER_CPU = "fargate.worker-cpu";
    public static final String WORKER_MEMORY = "fargate.worker-memory";
    public static final String SCHEDULER_CPU = "fargate.scheduler-cpu";
    public static final String SCHEDULER_MEMORY = "fargate.scheduler-memory";
    public static final String IMAGE = "fargate.image";
    public static final String BASE_IMAGE = "fargate.base-image";
    public static final String REGISTRY_ENDPOINT = "fargate.registry-endpoint";
    /**
     * Amazon Corretto 17 (Amazon's OpenJDK build) from Amazon's public registry: no Docker Hub
     * account or rate limit, and close to the ECR the image is pushed to.
     */
    public static final String DEFAULT_BASE_IMAGE = "public.ecr.aws/amazoncorretto/amazoncorretto:17";

    public static final String SPOT = "fargate.spot";
    public static final String LOG_RETENTION_DAYS = "fargate.log-retention-days";
    public static final String WORKER_PUBLIC_IP = "fargate.worker-public-ip";

    /** The retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
    static final List<Integer> RETENTION_DAYS = List.of(
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653);
    /**
     * What ECS accepts as a container image: up to 255 letters, digits and {@code -_:./#@}. Checked
     * here so that quotes, spaces, {@code ${} or newlines never reach a task definition.
     */
    static final Pattern IMAGE_REFERENCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/#@-]{0,254}");

    private static final SettingKey<Integer> LOG_RETENTION = SettingKey.oneOfNumbers(
            LOG_RETENTION_DAYS,
            7,
            RETENTION_DAYS.stream().mapToInt(Integer::intValue).toArray());
    private static final SettingKey<Boolean> WORKER_PUBLIC_IP_KEY = SettingKey.bool(WORKER_PUBLIC_IP);

    /** ECS allows 50 tags per resource; jcloud's own take up to 8. */
    static final int MAX_USER_TAGS = 40;

    /** Reads and validates the options; every message names the option and what is accepted. */
    public static FargateOptions of(ClusterContext cluster) {
        AwsOptions aws = AwsOptions.of(cluster);
        Map<String, String> o = cluster.options();
        if (aws.userTags().size() > MAX_USER_TAGS) {
            throw new IllegalArgumentException("too many " + AwsOptions.TAG_PREFIX + "* tags ("
                    + aws.userTags().size() + "): ECS allows 50 tags per task, use at most " + MAX_USER_TAGS);
        }
        int workerCpu = AwsSettings.WORKER_CPU.read(o);
        int workerMemory = memory(o, AwsSettings.WORKER_MEMORY, WORKER_CPU, workerCpu);
        int schedulerCpu = AwsSettings.SCHEDULER_CPU.read(o);
        int schedulerMemory = memory(o, AwsSettings.SCHEDULER_MEMORY, SCHEDULER_CPU, schedulerCpu);
        Optional<String> image = Optional.ofNullable(o.get(IMAGE)).map(String::strip);
        image.ifPresent(i -> {
            if (!IMAGE_REFERENCE.matcher(i).matches()) {
                throw AwsOptions.invalid(
                        IMAGE,
                        i,
                        "a container image reference such as"
                                + " 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0 (up to 255 letters, digits"
                                + " and -_:./#@)");
            }
        });
        String baseImage = AwsSettings.BASE_IMAGE.read(o).strip();
        if (!IMAGE_REFERENCE.matcher(baseImage).matches()) {
            throw AwsOptions.invalid(
                    BASE_IMAGE,
                    baseImage,
                    "a container image reference with java on its PATH, such as " + DEFAULT_BASE_IMAGE);
        }
        Optional<java.net.URI> registryEndpoint =
                Optional.ofNullable(o.get(REGISTRY_ENDPOINT)).map(FargateOptions::registryEndpoint);
        boolean spot = AwsSettings.FARGATE_SPOT.read(o);
        int retention = LOG_RETENTION.read(o);
        boolean workerPublicIp = !o.containsKey(WORKER_PUBLIC_IP) || WORKER_PUBLIC_IP_KEY.read(o);
        return new FargateOptions(
                aws,
                workerCpu,
                workerMemory,
                schedulerCpu,
                schedulerMemory,
                image,
                baseImage,
                registryEndpoint,
                spot,
                retention,
                workerPublicIp);
    }

    private static java.net.URI registryEndpoint(String value) {
        String v = value.strip();
        try {
            java.net.URI uri = new java.net.URI(v);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null
                    && (uri.getPath() == null
                            || uri.getPath().isEmpty()
                            || uri.getPath().equals("/"))) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // refused below
        }
        throw AwsOptions.invalid(
                REGISTRY_ENDPOINT,
                v,
                "a registry address such as http://127.0.0.1:5000 (for tests against an emulator)");
    }

    /**
     * Null if Fargate runs a Linux task with {@code cpu} units and {@code memory} MiB, else the
     * memory sizes allowed with that CPU. (The same table as the config module's check, which
     * is not visible from here.)
     */
    static String allowedMemory(int cpu, int memory) {
        return switch (cpu) {
            case 256 -> memory == 512 || memory == 1024 || memory == 2048 ? null : "512, 1024 or 2048";
            case 512 -> range(memory, 1024, 4096, 1024);
            case 1024 -> range(memory, 2048, 8192, 1024);
            case 2048 -> range(memory, 4096, 16384, 1024);
            case 4096 -> range(memory, 8192, 30720, 1024);
            case 8192 -> range(memory, 16384, 61440, 4096);
            case 16384 -> range(memory, 32768, 122880, 8192);
            default -> throw new IllegalArgumentException("not a Fargate CPU size: " + cpu);
        };
    }

    private static String range(int memory, int min, int max, int step) {
        return memory >= min && memory <= max && (memory - min) % step == 0
                ? null
                : min + " to " + max + " in steps of " + step;
    }

    private static int memory(Map<String, String> o, SettingKey<Integer> memoryKey, String cpuKey, int cpu) {
        String key = memoryKey.path();
        int memory = memoryKey.read(o);
        String allowed = allowedMemory(cpu, memory);
        if (allowed != null) {
            throw AwsOptions.invalid(
                    key,
                    o.getOrDefault(key, Integer.toString(memory)),
                    "MiB that Fargate offers with " + cpuKey + "=" + cpu + ": " + allowed);
        }
        return memory;
    }
}
