package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The live heap the watchdog decides on: garbage is not counted, and collections are spaced out. */
class HeapGaugeTest {

    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong garbage = new AtomicLong();
    private final AtomicLong now = new AtomicLong(10_000);
    private final AtomicInteger collections = new AtomicInteger();
    private final HeapGauge gauge = new HeapGauge(
            () -> inUse.get() + garbage.get(),
            () -> {
                collections.incrementAndGet();
                garbage.set(0);
            },
            now::get);

    @Test
    void garbageIsCollectedBeforeItCountsAndCollectionsComeAtMostOnceASecond() {
        inUse.set(300);
        garbage.set(3_000);
        assertThat(gauge.inUse()).isEqualTo(3_300);
        assertThat(gauge.live()).isEqualTo(300);
        assertThat(collections).hasValue(1);

        // More garbage within the second: not collected again, and not counted.
        garbage.set(2_000);
        now.addAndGet(500);
        assertThat(gauge.live()).isEqualTo(300);
        assertThat(collections).hasValue(1);

        // Results freed since: the heap's lower count is the live one.
        inUse.set(100);
        garbage.set(0);
        assertThat(gauge.live()).isEqualTo(100);

        // A second later the gauge looks again.
        inUse.set(900);
        garbage.set(2_000);
        now.addAndGet(HeapGauge.COLLECT_INTERVAL_MILLIS + 1);
        assertThat(gauge.live()).isEqualTo(900);
        assertThat(collections).hasValue(2);
    }

    @Test
    void anExplicitCollectionIsAlwaysMadeAndResetsTheInterval() {
        inUse.set(500);
        garbage.set(500);
        assertThat(gauge.collect()).isEqualTo(500);
        assertThat(gauge.collect()).isEqualTo(500);
        assertThat(collections).hasValue(2);
        garbage.set(700);
        assertThat(gauge.live()).isEqualTo(500);
        assertThat(collections).hasValue(2);
    }
}
