package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spilling: least recently used results move to disk, come back when read, and every spill is reported. */
class DataStoreTest {

    @Test
    void everySpillIsReportedWithTheBytesItMoved(@TempDir Path dir) {
        List<Long> spills = new ArrayList<>();
        DataStore store = new DataStore(dir, 250, (bytes, start, duration) -> {
            assertThat(start).isPositive();
            assertThat(duration).isNotNegative();
            spills.add(bytes);
        });
        store.put(1, new byte[100]);
        store.put(2, new byte[100]);
        assertThat(spills).isEmpty();
        store.put(3, new byte[100]); // 300 > 250: the least recently used (1) goes
        assertThat(spills).containsExactly(100L);
        assertThat(store.get(1).size()).isEqualTo(100); // read back from disk, not re-admitted
        assertThat(store.spillDownTo(0)).isEqualTo(200);
        assertThat(spills).containsExactly(100L, 200L);
        assertThat(store.spillDownTo(0)).isZero();
        assertThat(spills).hasSize(2);
        assertThat(store.spilledBytes()).isEqualTo(300);
        assertThat(store.memoryBytes()).isZero();
    }
}
