package dev.jcloud.providers.aws;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The settings the AWS providers read: the {@code aws} section (EC2, and the region, network and
 * limits Fargate shares) and the {@code fargate} section. One declaration per key: the
 * configuration validates files, variables and flags with these parsers, and
 * {@link AwsOptions}/{@link FargateOptions} read a cluster's options back with the same ones.
 */
public final class AwsSettings {

    /** Regions of every partition: commercial, GovCloud and the isolated ones ({@code us-iso-east-1}). */
    static final Pattern REGION_FORMAT = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}");

    static final String DEFAULT_INSTANCE_TYPE = "m6i.large";

    public static final SettingKey<String> REGION = SettingKey.matching(
                    AwsOptions.REGION,
                    "us-east-1",
                    REGION_FORMAT,
                    "must be an AWS region such as us-east-1 or eu-west-2")
            .describedAs("The AWS region (default: us-east-1).")
            .flag("--region", "REGION");
    public static final SettingKey<String> WORKER_TYPE = SettingKey.text(AwsOptions.WORKER_TYPE, DEFAULT_INSTANCE_TYPE)
            .describedAs("EC2 instance type of the workers (default: " + DEFAULT_INSTANCE_TYPE + ").")
            .flag("--worker-type", "TYPE");
    public static final SettingKey<String> SCHEDULER_TYPE = SettingKey.text(
                    AwsOptions.SCHEDULER_TYPE, DEFAULT_INSTANCE_TYPE)
            .describedAs("EC2 instance type of the scheduler (default: " + DEFAULT_INSTANCE_TYPE + ").")
            .flag("--scheduler-type", "TYPE");
    public static final SettingKey<Boolean> SPOT = SettingKey.bool(AwsOptions.SPOT)
            .describedAs("Workers on spot capacity, trying other zones and then on-demand when EC2 has none.")
            .flag("--spot", "true|false");
    public static final SettingKey<Optional<String>> SUBNET = SettingKey.optionalText(AwsOptions.SUBNET)
            .describedAs("The subnet to use (default: the default VPC's).")
            .flag("--subnet", "ID");
    public static final SettingKey<Optional<String>> VPC = SettingKey.optionalText(AwsOptions.VPC)
            .describedAs("The VPC to use, or 'new' for a dedicated one made and removed with the cluster.")
            .flag("--vpc", "ID|new");
    public static final SettingKey<Optional<String>> ALLOW_FROM = SettingKey.optionalFirewallCidrs(
                    AwsOptions.ALLOW_FROM)
            .describedAs(
                    "Who may reach the scheduler and dashboard, as CIDR blocks (default: your public address /32).")
            .flag("--allow-from", "CIDR");
    public static final SettingKey<Optional<String>> AMI = SettingKey.optionalText(AwsOptions.AMI)
            .describedAs("Machine image (default: the latest Amazon Linux 2023).")
            .flag("--ami", "ID");
    public static final SettingKey<Optional<String>> ENGINE_URL = SettingKey.optionalText(AwsOptions.ENGINE_URL)
            .describedAs("Where machines download the engine (with engine-sha256); default: uploaded to S3.");
    public static final SettingKey<Optional<String>> ENGINE_SHA256 =
            SettingKey.optionalText(AwsOptions.ENGINE_SHA256).describedAs("The SHA-256 of the engine at engine-url.");
    public static final SettingKey<Integer> MAX_WORKERS = SettingKey.wholeNumber(
                    AwsOptions.MAX_WORKERS, 1000, 0, 100_000)
            .describedAs("The hard maximum of workers, enforced where machines are created.");
    public static final SettingKey<Integer> ROOT_VOLUME_GIB = SettingKey.wholeNumber(
                    AwsOptions.ROOT_VOLUME_GIB, 20, 8, 16_384)
            .describedAs("Size of each machine's encrypted root volume in GiB.");

    /** The CPU units of a Fargate Linux task. */
    static final int[] FARGATE_CPUS = {256, 512, 1024, 2048, 4096, 8192, 16384};

    public static final SettingKey<Integer> WORKER_CPU = SettingKey.oneOfNumbers(
                    FargateOptions.WORKER_CPU, 1024, FARGATE_CPUS)
            .describedAs("Worker CPU units, 1024 = 1 vCPU (default: 1024).")
            .flag("--worker-cpu", "UNITS");
    public static final SettingKey<Integer> WORKER_MEMORY = SettingKey.wholeNumber(
                    FargateOptions.WORKER_MEMORY, 4096, 512, 122_880)
            .describedAs("Worker memory in MiB, a size Fargate offers with the CPU (default: 4096).")
            .flag("--worker-memory", "MIB");
    public static final SettingKey<Integer> SCHEDULER_CPU = SettingKey.oneOfNumbers(
                    FargateOptions.SCHEDULER_CPU, 1024, FARGATE_CPUS)
            .describedAs("Scheduler CPU units (default: 1024).");
    public static final SettingKey<Integer> SCHEDULER_MEMORY = SettingKey.wholeNumber(
                    FargateOptions.SCHEDULER_MEMORY, 4096, 512, 122_880)
            .describedAs("Scheduler memory in MiB (default: 4096).");
    public static final SettingKey<Optional<String>> IMAGE = SettingKey.optionalText(FargateOptions.IMAGE)
            .describedAs(
                    "An engine container image of your own (default: up builds this jcloud's and pushes it to ECR).")
            .flag("--image", "IMAGE");
    public static final SettingKey<String> BASE_IMAGE = SettingKey.text(
                    FargateOptions.BASE_IMAGE, FargateOptions.DEFAULT_BASE_IMAGE)
            .describedAs("Base of the engine image up builds when no image is given: an image with java 17+ on its"
                    + " PATH (default: " + FargateOptions.DEFAULT_BASE_IMAGE + ").");
    public static final SettingKey<Optional<String>> REGISTRY_ENDPOINT = SettingKey.optionalText(
                    FargateOptions.REGISTRY_ENDPOINT)
            .describedAs("Tests only: the registry the built engine image is pushed to instead of the one ECR names.");
    public static final SettingKey<Boolean> FARGATE_SPOT = SettingKey.bool(FargateOptions.SPOT)
            .describedAs("Workers on FARGATE_SPOT, falling back to on-demand.")
            .flag("--spot", "true|false");

    /** {@code aws.*}: read by both EC2 and Fargate clusters. */
    public static final SettingsSection AWS = SettingsSection.of(
            "aws",
            REGION,
            WORKER_TYPE,
            SCHEDULER_TYPE,
            SPOT,
            SUBNET,
            VPC,
            ALLOW_FROM,
            AMI,
            ENGINE_URL,
            ENGINE_SHA256,
            MAX_WORKERS,
            ROOT_VOLUME_GIB);

    /** {@code fargate.*}, with the rule that each memory size suits its CPU size. */
    public static final SettingsSection FARGATE = SettingsSection.of(
                    "fargate",
                    WORKER_CPU,
                    WORKER_MEMORY,
                    SCHEDULER_CPU,
                    SCHEDULER_MEMORY,
                    IMAGE,
                    BASE_IMAGE,
                    REGISTRY_ENDPOINT,
                    FARGATE_SPOT)
            .withRule(values -> memoryFits(values, WORKER_CPU, WORKER_MEMORY))
            .withRule(values -> memoryFits(values, SCHEDULER_CPU, SCHEDULER_MEMORY));

    private AwsSettings() {}

    /** The sections of an EC2 cluster. */
    static List<SettingsSection> ec2() {
        return List.of(AWS);
    }

    /**
     * The sections of a Fargate cluster: the shared network keys of {@code aws} (only their flags:
     * EC2's machine types and spot market mean nothing to a task) and {@code fargate}.
     */
    static List<SettingsSection> fargate() {
        return List.of(AWS.keepingFlags("--region", "--subnet", "--vpc", "--allow-from"), FARGATE);
    }

    private static Optional<SettingsSection.Violation> memoryFits(
            Function<String, Object> values, SettingKey<Integer> cpuKey, SettingKey<Integer> memoryKey) {
        int cpu = (Integer) values.apply(cpuKey.path());
        int memory = (Integer) values.apply(memoryKey.path());
        String allowed = FargateOptions.allowedMemory(cpu, memory);
        if (allowed == null) {
            return Optional.empty();
        }
        return Optional.of(new SettingsSection.Violation(
                memoryKey.path(),
                List.of(memoryKey.path(), cpuKey.path()),
                "must be " + allowed + " when " + cpuKey.path() + " is " + cpu,
                Integer.toString(memory)));
    }
}
