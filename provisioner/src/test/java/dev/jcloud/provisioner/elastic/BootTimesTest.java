package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BootTimesTest {

    @Test
    void assumedUntilMeasuredThenTheUpperQuartileOfTheRecentStarts() {
        BootTimes b = new BootTimes(60);
        assertThat(b.estimateSeconds()).isEqualTo(60);
        for (double s : new double[] {40, 42, 44, 46, 48, 50, 52, 200}) {
            b.record(s);
        }
        assertThat(b.count()).isEqualTo(8);
        assertThat(b.estimateSeconds()).isEqualTo(50); // one slow start does not decide alone
        b.record(-1);
        assertThat(b.count()).isEqualTo(8);
    }
}
