package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BillingModelTest {

    @Test
    void minimumPerStartAndWholeSeconds() {
        BillingModel b = BillingModel.PER_SECOND_60S_MINIMUM;
        assertThat(b.billedSeconds(5)).isEqualTo(60);
        assertThat(b.billedSeconds(0)).isEqualTo(60);
        assertThat(b.billedSeconds(60)).isEqualTo(60);
        assertThat(b.billedSeconds(60.2)).isEqualTo(61);
        assertThat(b.billedSeconds(125)).isEqualTo(125);
        assertThat(b.paidSecondsLeft(45)).isEqualTo(15);
        assertThat(b.paidSecondsLeft(90)).isZero();
    }

    @Test
    void providers() {
        assertThat(BillingModel.forProvider("fargate", Duration.ofMinutes(5)).minimumSeconds())
                .isEqualTo(60);
        assertThat(BillingModel.forProvider("gcp", Duration.ZERO).minimumSeconds())
                .isEqualTo(60);
        assertThat(BillingModel.forProvider("azure", Duration.ofMinutes(5)).billedSeconds(100))
                .isEqualTo(300);
        assertThat(BillingModel.forProvider("local", Duration.ZERO).billedSeconds(3.5))
                .isEqualTo(4);
        assertThatThrownBy(() -> BillingModel.forProvider("vmware", Duration.ZERO))
                .hasMessageContaining("vmware");
    }
}
