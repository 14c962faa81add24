package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterPricingTest {

    private final PriceTable table = PriceTable.bundled();

    @Test
    void ec2ClusterCostsTheSchedulerPlusItsWorkersPerHour() {
        ClusterPricing p = ClusterPricing.of("aws", Map.of("aws.region", "us-east-1"), table)
                .orElseThrow();
        assertThat(p.dollarsPerHour(4)).isCloseTo(5 * 0.096, within(1e-9));
        assertThat(p.estimate(4))
                .startsWith("about $0.48 per hour (4 workers, m6i.large in us-east-1;")
                .contains(table.asOf());
    }

    @Test
    void spotAppliesToWorkersOnlyAndEveryStartPaysTheMinimum() {
        ClusterPricing p =
                ClusterPricing.of("aws", Map.of("aws.spot", "true"), table).orElseThrow();
        assertThat(p.dollarsPerHour(1)).isCloseTo(0.096 + 0.038, within(1e-9));
        // A worker that ran 5 s is billed 60 s; the scheduler ran an hour.
        assertThat(p.dollarsSpent(3600, List.of(5.0))).isCloseTo(0.096 + 60 * 0.038 / 3600, within(1e-9));
        assertThat(p.indicative()).isTrue();
    }

    @Test
    void fargateIsPricedBySizeAndUnknownTypesOrLocalHaveNoPrice() {
        assertThat(ClusterPricing.of(
                        "fargate", Map.of("fargate.worker-cpu", "1024", "fargate.worker-memory", "4096"), table))
                .isPresent();
        assertThat(ClusterPricing.of("aws", Map.of("aws.worker-type", "zz9.mega"), table))
                .isEmpty();
        assertThat(ClusterPricing.of("local", Map.of(), table)).isEmpty();
        assertThat(ClusterPricing.of(
                        "aws",
                        Map.of("aws.worker-type", "zz9.mega"),
                        table.withOverrides(Map.of("aws/us-east-1/zz9.mega", 1.5))))
                .get()
                .satisfies(p -> assertThat(p.dollarsPerHour(2)).isCloseTo(0.096 + 3.0, within(1e-9)));
        // The same override carried in the cluster's options (how the in-cluster controller gets it).
        assertThat(ClusterPricing.of(
                        "aws",
                        Map.of(
                                "aws.worker-type",
                                "zz9.mega",
                                ClusterPricing.PRICE_PREFIX + "aws/us-east-1/zz9.mega",
                                "1.5"),
                        table))
                .get()
                .satisfies(p -> assertThat(p.dollarsPerHour(2)).isCloseTo(0.096 + 3.0, within(1e-9)));
    }
}
