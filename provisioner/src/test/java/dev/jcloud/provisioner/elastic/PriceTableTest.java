package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    @Test
    void bundledPricesFromFieldNotes() {
        PriceTable t = PriceTable.bundled();
        assertThat(t.asOf()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(t.price("aws", "us-east-1", "m5.large").orElseThrow().perHour(false))
                .isEqualTo(0.096);
        assertThat(t.price("gcp", "us-central1", "e2-standard-2").orElseThrow().onDemandPerHour())
                .isEqualTo(0.067);
        assertThat(t.price("azure", "eastus", "Standard_D2s_v5").orElseThrow().vcpus())
                .isEqualTo(2);
        assertThat(t.price("fargate", "us-east-1", "1vcpu-4gb").orElseThrow().onDemandPerHour())
                .isCloseTo(0.04048 + 4 * 0.004445, within(1e-9));
        assertThat(PriceTable.fargateType(512, 1024)).isEqualTo("0.5vcpu-1gb");
        assertThat(t.price("aws", "us-east-1", "x9.huge")).isEmpty();
    }

    @Test
    void overridesWin() {
        PriceTable t = PriceTable.bundled()
                .withOverrides(Map.of("aws/us-east-1/m6i.large", 0.05, "aws/eu-west-1/x1.big", 1.0));
        assertThat(t.price("aws", "us-east-1", "m6i.large").orElseThrow().perHour(true))
                .isEqualTo(0.05);
        assertThat(t.price("aws", "us-east-1", "m6i.large").orElseThrow().vcpus())
                .isEqualTo(2);
        assertThat(t.price("aws", "eu-west-1", "x1.big").orElseThrow().onDemandPerHour())
                .isEqualTo(1.0);
    }
}
