package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private final List<String> keys =
            List.of("cluster", "cluster.workers", "cluster.idle-timeout", "aws.spot", "gcp.spot", "worker.nthreads");

    @Test
    void suggestsTheClosestKeyWithinAFewEdits() {
        assertThat(Suggestions.closest("cluster.wrokers", keys)).isEqualTo("cluster.workers");
        assertThat(Suggestions.closest("clustr", keys)).isEqualTo("cluster");
        assertThat(Suggestions.closest("worker.threads", keys)).isEqualTo("worker.nthreads");
    }

    @Test
    void recognisesOtherSpellingStylesAndMisplacedKeys() {
        assertThat(Suggestions.closest("cluster.idleTimeout", keys)).isEqualTo("cluster.idle-timeout");
        assertThat(Suggestions.closest("CLUSTER.IDLE_TIMEOUT", keys)).isEqualTo("cluster.idle-timeout");
        assertThat(Suggestions.closest("workers", keys)).isEqualTo("cluster.workers");
    }

    @Test
    void staysQuietWhenNothingIsCloseOrTheAnswerIsAmbiguous() {
        assertThat(Suggestions.closest("cluster.banana", keys)).isNull();
        assertThat(Suggestions.closest("spot", keys)).isNull();
        assertThat(Suggestions.didYouMean("zzz", keys)).isEmpty();
        assertThat(Suggestions.didYouMean("clustr", keys)).isEqualTo(" (did you mean 'cluster'?)");
    }

    @Test
    void countsASwapOfNeighboursAsOneEdit() {
        assertThat(Suggestions.distance("workers", "wrokers")).isEqualTo(1);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
    }
}
