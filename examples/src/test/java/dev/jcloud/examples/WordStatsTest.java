package dev.jcloud.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The record's own arithmetic, without a cluster. */
class WordStatsTest {

    @Test
    void countsLinesWordsAndTheLongestWord() {
        assertThat(WordStats.of("one two\nthree, four!")).isEqualTo(new WordStats(2, 4, "three"));
        assertThat(WordStats.of("")).isEqualTo(WordStats.EMPTY);
    }

    @Test
    void mergesPartsInAnyOrder() {
        WordStats a = WordStats.of("alpha beta");
        WordStats b = WordStats.of("gamma\ndelta epsilon");

        assertThat(a.merge(b)).isEqualTo(b.merge(a)).isEqualTo(new WordStats(3, 5, "epsilon"));
        assertThat(a.merge(WordStats.EMPTY)).isEqualTo(a);
    }
}
