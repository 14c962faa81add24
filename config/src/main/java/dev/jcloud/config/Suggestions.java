package dev.jcloud.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean …?" for misspelt keys and variables. */
final class Suggestions {

    private Suggestions() {}

    /** {@code " (did you mean 'x'?)"}, or {@code ""} when nothing is close enough to be a likely fix. */
    static String didYouMean(String wrong, Collection<String> candidates) {
        String best = closest(wrong, candidates);
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    static String closest(String wrong, Collection<String> candidates) {
        String w = normalize(wrong);
        for (String c : candidates) {
            if (normalize(c).equals(w)) {
                return c; // only the spelling style differs: idleTimeout, idle_timeout
            }
        }
        // The right key in the wrong section, e.g. worker.idle-timeout for cluster.idle-timeout.
        String lastSegment = w.substring(w.lastIndexOf('.') + 1);
        String sameName = null;
        int sameNameCount = 0;
        for (String c : candidates) {
            String n = normalize(c);
            if (n.contains(".") && n.substring(n.lastIndexOf('.') + 1).equals(lastSegment)) {
                sameName = c;
                sameNameCount++;
            }
        }
        if (sameNameCount == 1) {
            return sameName;
        }
        int threshold = Math.max(2, w.length() / 5);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, normalize(c));
            if (d <= threshold && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String normalize(String s) {
        return s.replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                .toLowerCase(Locale.ROOT)
                .replace('_', '-');
    }

    /** Levenshtein distance, counting a swap of two neighbours as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
