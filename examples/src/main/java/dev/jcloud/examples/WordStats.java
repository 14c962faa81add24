package dev.jcloud.examples;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;

/**
 * What a text holds: its lines, its words and its longest word. Tasks return it and the cluster
 * sends it between JVMs, so it is {@link Serializable}; {@link #merge} adds two parts together.
 *
 * @param lines lines of text
 * @param words words, separated by anything that is not a letter or a digit
 * @param longestWord the longest word (the alphabetically first of equally long ones), or "" for none
 */
public record WordStats(long lines, long words, String longestWord) implements Serializable {

    /** The statistics of nothing: merging it changes nothing. */
    public static final WordStats EMPTY = new WordStats(0, 0, "");

    private static final Comparator<String> LONGER_FIRST =
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder());

    /** The statistics of one document. */
    public static WordStats of(String text) {
        String[] words = Arrays.stream(text.split("[^\\p{L}\\p{N}]+"))
                .filter(w -> !w.isEmpty())
                .toArray(String[]::new);
        String longest = Arrays.stream(words).min(LONGER_FIRST).orElse("");
        return new WordStats(text.isEmpty() ? 0 : text.lines().count(), words.length, longest);
    }

    /** The statistics of this part and {@code other} together. */
    public WordStats merge(WordStats other) {
        String longest = LONGER_FIRST.compare(longestWord, other.longestWord) <= 0 ? longestWord : other.longestWord;
        return new WordStats(lines + other.lines, words + other.words, longest);
    }
}
