package dev.jcloud.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Contributed sections for the configuration's own tests, shaped like those real providers
 * declare (the real ones live in the provider modules and are tested there): they exercise
 * validation, sources, environment names, secrets and cross-key rules of contributed keys.
 */
final class TestingSections {

    static final SettingKey<Optional<String>> AWS_REGION = SettingKey.optionalMatching(
            "aws.region", Pattern.compile("[a-z]{2}(-gov)?-[a-z]+-[0-9]"), "must be an AWS region like us-east-1");
    static final SettingKey<String> AWS_WORKER_TYPE = SettingKey.text("aws.worker-type", "m6i.large");
    static final SettingKey<Boolean> AWS_SPOT = SettingKey.bool("aws.spot");
    static final SettingKey<Optional<String>> AWS_SUBNET = SettingKey.optionalText("aws.subnet");
    static final SettingKey<Optional<String>> AWS_ALLOW_FROM = SettingKey.optionalCidrs("aws.allow-from");
    static final SettingKey<Optional<String>> AWS_ACCESS_KEY =
            SettingKey.optionalText("aws.access-key").secret();

    static final SettingKey<Integer> FARGATE_WORKER_CPU =
            SettingKey.oneOfNumbers("fargate.worker-cpu", 1024, 256, 512, 1024, 2048, 4096, 8192, 16384);
    static final SettingKey<Integer> FARGATE_WORKER_MEMORY =
            SettingKey.wholeNumber("fargate.worker-memory", 4096, 512, 122_880);
    static final SettingKey<Optional<String>> FARGATE_IMAGE = SettingKey.optionalText("fargate.image");

    static final SettingKey<Optional<String>> GCP_PROJECT = SettingKey.optionalText("gcp.project");
    static final SettingKey<String> GCP_ZONE = SettingKey.text("gcp.zone", "us-central1-a");

    static final SettingKey<Duration> AZURE_BILLING_MINIMUM = SettingKey.duration("azure.billing-minimum", "60s");

    static final SettingsSection AWS = SettingsSection.of(
            "aws", AWS_REGION, AWS_WORKER_TYPE, AWS_SPOT, AWS_SUBNET, AWS_ALLOW_FROM, AWS_ACCESS_KEY);
    /** With a rule: at least 2 MiB of memory per CPU unit. */
    static final SettingsSection FARGATE = SettingsSection.of(
                    "fargate", FARGATE_WORKER_CPU, FARGATE_WORKER_MEMORY, FARGATE_IMAGE)
            .withRule(values -> {
                int cpu = (Integer) values.apply(FARGATE_WORKER_CPU.path());
                int memory = (Integer) values.apply(FARGATE_WORKER_MEMORY.path());
                return memory >= 2 * cpu
                        ? Optional.empty()
                        : Optional.of(new SettingsSection.Violation(
                                FARGATE_WORKER_MEMORY.path(),
                                List.of(FARGATE_WORKER_MEMORY.path(), FARGATE_WORKER_CPU.path()),
                                "must be at least " + 2 * cpu + " when fargate.worker-cpu is " + cpu,
                                Integer.toString(memory)));
            });

    static final SettingsSection GCP = SettingsSection.of("gcp", GCP_PROJECT, GCP_ZONE);
    static final SettingsSection AZURE = SettingsSection.of("azure", AZURE_BILLING_MINIMUM);

    static final List<String> PROVIDERS = List.of("local", "aws", "fargate", "gcp", "azure");

    private TestingSections() {}

    /** {@link SettingsLoader#builder()} with these sections and providers. */
    static SettingsLoader builder() {
        return SettingsLoader.builder()
                .withSections(List.of(AWS, FARGATE, GCP, AZURE))
                .withProviders(PROVIDERS);
    }
}
