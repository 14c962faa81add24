package dev.jcloud.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import dev.jcloud.providers.local.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The task graph on a real local cluster: worker JVMs compute and merge the records. */
class WordStatsIT {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void computesTheGraphOnALocalClusterAsThisJvmWould() throws Exception {
        List<String> documents = IntStream.range(0, 25)
                .mapToObj(i -> "document " + i + "\nwith words" + "s".repeat(i % 7))
                .toList();
        WordStats expected = documents.stream().map(WordStats::of).reduce(WordStats.EMPTY, WordStats::merge);

        try (LocalCluster cluster = LocalCluster.builder().workers(2).build();
                Client client = cluster.connect()) {
            client.waitForWorkers(2, Duration.ofMinutes(2));

            assertThat(WordStatsJob.run(client, documents, Duration.ofMinutes(2)))
                    .isEqualTo(expected);
            assertThat(WordStatsJob.run(client, List.of(), Duration.ofMinutes(2)))
                    .isEqualTo(WordStats.EMPTY);
        }
    }
}
