package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterPricingTest {

    private final PriceTable table = PriceTable.load(ClusterPricingTest.class, "test-prices.json");

    private static ClusterPricing.Machines machines(String worker, boolean spot) {
        return new ClusterPricing.Machines("demo", "r-east-1", "m.large", worker, spot);
    }

    @Test
    void aClusterCostsTheSchedulerPlusItsWorkersPerHour() {
        ClusterPricing p = ClusterPricing.of(
                        machines("m.large", false), BillingModel.PER_SECOND_60S_MINIMUM, table, Map.of())
                .orElseThrow();
        assertThat(p.dollarsPerHour(4)).isCloseTo(5 * 0.096, within(1e-9));
        assertThat(p.estimate(4))
                .startsWith("about $0.48 per hour (4 workers, m.large in r-east-1;")
                .contains(table.asOf());
    }

    @Test
    void spotAppliesToWorkersOnlyAndEveryStartPaysTheMinimum() {
        ClusterPricing p = ClusterPricing.of(
                        machines("m.large", true), BillingModel.PER_SECOND_60S_MINIMUM, table, Map.of())
                .orElseThrow();
        assertThat(p.dollarsPerHour(1)).isCloseTo(0.096 + 0.038, within(1e-9));
        // A worker that ran 5 s is billed 60 s; the scheduler ran an hour.
        assertThat(p.dollarsSpent(3600, List.of(5.0))).isCloseTo(0.096 + 60 * 0.038 / 3600, within(1e-9));
        assertThat(p.indicative()).isTrue();
    }

    @Test
    void unknownTypesHaveNoPriceUntilTheUserGivesOne() {
        assertThat(ClusterPricing.of(machines("zz9.mega", false), BillingModel.NONE, table, Map.of()))
                .isEmpty();
        assertThat(ClusterPricing.of(
                        machines("zz9.mega", false),
                        BillingModel.NONE,
                        table.withOverrides(Map.of("demo/r-east-1/zz9.mega", 1.5)),
                        Map.of()))
                .get()
                .satisfies(p -> assertThat(p.dollarsPerHour(2)).isCloseTo(0.096 + 3.0, within(1e-9)));
        // The same override carried in the cluster's options (how the in-cluster controller gets it).
        assertThat(ClusterPricing.of(
                        machines("zz9.mega", false),
                        BillingModel.NONE,
                        table,
                        Map.of(ClusterPricing.PRICE_PREFIX + "demo/r-east-1/zz9.mega", "1.5")))
                .get()
                .satisfies(p -> assertThat(p.dollarsPerHour(2)).isCloseTo(0.096 + 3.0, within(1e-9)));
    }
}
