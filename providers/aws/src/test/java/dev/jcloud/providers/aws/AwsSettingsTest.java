package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import dev.jcloud.config.ConfigException;
import dev.jcloud.config.Settings;
import dev.jcloud.config.SettingsLoader;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The AWS providers' settings, prices and billing, as the configuration and the CLI see them. */
class AwsSettingsTest {

    private static Settings load(Map<String, String> env) {
        return SettingsLoader.builder()
                .withSections(AwsSettings.fargate())
                .withProviders(List.of("aws", "fargate"))
                .env(env)
                .load();
    }

    private static ClusterContext cluster(Map<String, String> options) {
        return new ClusterContext("settings", "abc123", Path.of("."), options);
    }

    @Test
    void everyRegionTheConfigurationAcceptsAwsOptionsAcceptsToo() {
        for (String region : List.of("us-east-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "eu-west-2")) {
            assertThat(load(Map.of("JCLOUD_AWS_REGION", region)).value(AwsSettings.REGION))
                    .contains(region);
            assertThat(AwsSettings.REGION.read(Map.of(AwsOptions.REGION, region)))
                    .contains(region);
        }
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(Map.of("JCLOUD_AWS_REGION", "useast")));
        assertThat(e.problems())
                .containsExactly("JCLOUD_AWS_REGION: aws.region must be an AWS region such as us-east-1 or"
                        + " eu-west-2 (was 'useast')");
    }

    @Test
    void allowFromIsCheckedByTheFirewallsRuleAlreadyInTheConfiguration() {
        for (String bad : List.of("2001:db8::/64", "10.0.0.1/8", "10.0.0.0/33")) {
            ConfigException e = catchThrowableOfType(
                    ConfigException.class, () -> load(Map.of("JCLOUD_AWS_ALLOW_FROM", "203.0.113.0/24," + bad)));
            assertThat(e.problems())
                    .singleElement()
                    .asString()
                    .startsWith("JCLOUD_AWS_ALLOW_FROM: aws.allow-from must be");
        }
        String good = load(Map.of("JCLOUD_AWS_ALLOW_FROM", "203.0.113.0/24, 198.51.100.7/32"))
                .value(AwsSettings.ALLOW_FROM)
                .orElseThrow();
        assertThat(AwsOptions.of(cluster(Map.of(AwsOptions.ALLOW_FROM, good))).allowFrom())
                .containsExactly("203.0.113.0/24", "198.51.100.7/32");
    }

    @Test
    void acceptsEveryFargateSizeAwsAcceptsAndNamesTheRuleOtherwise() {
        int[][] good = {
            {256, 512},
            {256, 2048},
            {512, 4096},
            {1024, 2048},
            {2048, 16384},
            {4096, 30720},
            {8192, 16384},
            {8192, 20480},
            {16384, 122880}
        };
        for (int[] pair : good) {
            Settings s = load(Map.of(
                    "JCLOUD_FARGATE_WORKER_CPU", Integer.toString(pair[0]),
                    "JCLOUD_FARGATE_WORKER_MEMORY", Integer.toString(pair[1])));
            assertThat(s.value(AwsSettings.WORKER_MEMORY)).isEqualTo(pair[1]);
        }
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> load(Map.of("JCLOUD_FARGATE_WORKER_MEMORY", "1000", "JCLOUD_FARGATE_SCHEDULER_CPU", "256")));
        assertThat(e.problems())
                .containsExactly(
                        "JCLOUD_FARGATE_WORKER_MEMORY: fargate.worker-memory must be 2048 to 8192 in steps of"
                                + " 1024 when fargate.worker-cpu is 1024 (was 1000)",
                        "JCLOUD_FARGATE_SCHEDULER_CPU: fargate.scheduler-memory must be 512, 1024 or 2048 when"
                                + " fargate.scheduler-cpu is 256 (was 4096)");
        assertThat(FargateOptions.allowedMemory(8192, 18432)).isEqualTo("16384 to 61440 in steps of 4096");
    }

    @Test
    void ec2ClustersArePricedFromTheBundledTable() {
        ClusterPricing p = new Ec2Provider()
                .pricing(Map.of(AwsOptions.REGION, "us-east-1"))
                .orElseThrow();
        assertThat(p.dollarsPerHour(4)).isCloseTo(5 * 0.096, within(1e-9));
        assertThat(p.estimate(4)).startsWith("about $0.48 per hour (4 workers, m6i.large in us-east-1;");
        assertThat(p.billing().minimumSeconds()).isEqualTo(60);

        ClusterPricing spot =
                new Ec2Provider().pricing(Map.of(AwsOptions.SPOT, "true")).orElseThrow();
        assertThat(spot.dollarsPerHour(1)).isCloseTo(0.096 + 0.038, within(1e-9));
        assertThat(new Ec2Provider().pricing(Map.of(AwsOptions.WORKER_TYPE, "zz9.mega")))
                .isEmpty();
    }

    @Test
    void fargateIsPricedByRequestedSize() {
        ClusterPricing p = new FargateProvider()
                .pricing(Map.of(FargateOptions.WORKER_CPU, "1024", FargateOptions.WORKER_MEMORY, "4096"))
                .orElseThrow();
        assertThat(p.dollarsPerHour(1)).isCloseTo(2 * (0.04048 + 4 * 0.004445), within(1e-9));
        assertThat(p.describe()).isEqualTo("1vcpu-4gb in us-east-1");
    }
}
