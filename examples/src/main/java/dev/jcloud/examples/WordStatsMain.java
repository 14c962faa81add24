package dev.jcloud.examples;

import dev.jcloud.engine.api.Client;
import dev.jcloud.providers.local.LocalCluster;
import java.time.Duration;
import java.util.List;

/**
 * A whole program as a user writes it: start a local cluster of two workers, run the word
 * statistics graph on it, print the result, stop the cluster. It configures no logging.
 */
public final class WordStatsMain {

    /** The documents of this example. */
    static final List<String> DOCUMENTS = List.of(
            "Elastic compute clusters\nfor Java programs",
            "A scheduler and workers,\neach a JVM of its own",
            "Tasks are plain Java functions\nand their results are records",
            "Only the merged result\ntravels back to the program");

    private WordStatsMain() {}

    public static void main(String[] args) throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().workers(2).build();
                Client client = cluster.connect()) {
            WordStats stats = WordStatsJob.run(client, DOCUMENTS, Duration.ofMinutes(2));
            System.out.printf("lines=%d words=%d longest=%s%n", stats.lines(), stats.words(), stats.longestWord());
        }
    }
}
