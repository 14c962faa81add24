package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private static final PriceTable TABLE = PriceTable.load(PriceTableTest.class, "test-prices.json");

    @Test
    void instancesAndResourceRatesFromAProvidersFile() {
        assertThat(TABLE.asOf()).isEqualTo("2025-06-01");
        assertThat(TABLE.price("demo", "r-east-1", "m.large").orElseThrow().perHour(false))
                .isEqualTo(0.096);
        assertThat(TABLE.price("demo", "r-east-1", "c.large").orElseThrow().vcpus())
                .isEqualTo(2);
        assertThat(TABLE.price("demo-tasks", "r-east-1", "1vcpu-4gb")
                        .orElseThrow()
                        .onDemandPerHour())
                .isCloseTo(0.04048 + 4 * 0.004445, within(1e-9));
        assertThat(PriceTable.resourceType(512, 1024)).isEqualTo("0.5vcpu-1gb");
        assertThat(TABLE.price("demo", "r-east-1", "x9.huge")).isEmpty();
        assertThat(TABLE.price("demo", "r-east-1", "1vcpu-4gb")).isEmpty(); // no resource rates for demo
        assertThat(PriceTable.empty().price("demo", "r-east-1", "m.large")).isEmpty();
    }

    @Test
    void overridesWin() {
        PriceTable t = TABLE.withOverrides(Map.of("demo/r-east-1/m.large", 0.05, "demo/r-west-1/x1.big", 1.0));
        assertThat(t.price("demo", "r-east-1", "m.large").orElseThrow().perHour(true))
                .isEqualTo(0.05);
        assertThat(t.price("demo", "r-east-1", "m.large").orElseThrow().vcpus()).isEqualTo(2);
        assertThat(t.price("demo", "r-west-1", "x1.big").orElseThrow().onDemandPerHour())
                .isEqualTo(1.0);
    }

    @Test
    void aMissingFileNamesItAndTheJar() {
        assertThatThrownBy(() -> PriceTable.load(PriceTableTest.class, "absent.json"))
                .hasMessageContaining("absent.json")
                .hasMessageContaining(PriceTableTest.class.getName());
    }
}
