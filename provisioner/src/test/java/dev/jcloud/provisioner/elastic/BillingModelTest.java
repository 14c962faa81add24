package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;

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
}
