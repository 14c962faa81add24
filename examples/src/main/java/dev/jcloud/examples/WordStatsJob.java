package dev.jcloud.examples;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A task graph: one task per document computes its {@link WordStats}, then a binary tree of tasks
 * merges them on the cluster, so only the final record travels back to this program.
 */
public final class WordStatsJob {

    private WordStatsJob() {}

    /** The graph for {@code documents}, not yet running: {@link Client#compute} runs it. */
    public static Delayed<WordStats> graph(List<String> documents) {
        List<Delayed<WordStats>> level = new ArrayList<>();
        for (String document : documents) {
            level.add(Delayed.apply(WordStats::of, document));
        }
        if (level.isEmpty()) {
            return Delayed.value(WordStats.EMPTY);
        }
        while (level.size() > 1) {
            List<Delayed<WordStats>> next = new ArrayList<>();
            for (int i = 0; i + 1 < level.size(); i += 2) {
                next.add(level.get(i).combine(level.get(i + 1), WordStats::merge));
            }
            if (level.size() % 2 == 1) {
                next.add(level.get(level.size() - 1));
            }
            level = next;
        }
        return level.get(0);
    }

    /**
     * Runs the graph on the cluster {@code client} is connected to and waits for its result, at
     * most {@code timeout} ({@link java.util.concurrent.TimeoutException} after that).
     */
    public static WordStats run(Client client, List<String> documents, Duration timeout) throws Exception {
        return client.compute(graph(documents)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
