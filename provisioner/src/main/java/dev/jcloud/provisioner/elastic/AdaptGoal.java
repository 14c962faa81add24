package dev.jcloud.provisioner.elastic;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What adaptive scaling favours when cost and waiting pull apart (the {@code cluster.adapt.goal}
 * setting, {@code --adapt-goal}). Every goal is boot- and billing-aware (a worker is never retired
 * inside its paid minimum, idle workers are kept through gaps shorter than a relaunch); they differ
 * in how much capacity they hold for work that has not arrived yet and how fast they add workers:
 *
 * <ul>
 *   <li>{@link #COST}: the fewest billed seconds; each new worker must find a boot delay plus a
 *       billing minimum of work, a stream of work is sized to keep its workers fully busy, nothing
 *       is started ahead of work;</li>
 *   <li>{@link #BALANCED}: holds a warm pool sized to drain a large burst (the upper quartile of
 *       the recent ones) in 120 s through the gaps between bursts, keeping it through gaps up to
 *       eight relaunches long (or, when bursts come on a regular beat, starts it again a boot
 *       delay before the next one is due), sizes new workers for 45 s of work each, keeps a stream
 *       at most 60 % busy and counts as a stream only work that came in every minute; on a tight
 *       beat (a pipeline's stages) it meets each burst with a pool sized for the median one and
 *       started a boot delay before the median interval, and adds workers only so that a burst
 *       ends no later than a cold start sized like Dask's;</li>
 *   <li>{@link #LATENCY}: a pool that drains a typical burst in 20 s, new workers sized for 5 s of
 *       work each (Dask's target) and a stream at most 60 % busy.</li>
 * </ul>
 *
 * <p>With no worker registered (a cold start) the balanced and latency goals size new workers for
 * the target duration, as Dask does: every queued task waits a whole boot delay anyway.
 *
 * <p>{@code jcloud simulate --trace all --policy all} shows each goal's dollars and waiting beside
 * Dask's adaptive policy on the built-in workloads.
 */
public enum AdaptGoal {
    COST(Double.NaN, 1.0, Double.NaN, 1, 0, 0, 0.5, false),
    BALANCED(120, 0.6, 45, 8, 0.25, 0, 0.75, true),
    LATENCY(20, 0.6, 5, 4, 0.1, 0.5, 0.5, false);

    /** Seconds in which the warm pool should drain a typical burst (NaN: no pool). */
    final double drainSeconds;
    /** The busy fraction a sustained stream of work is sized for. */
    final double utilization;
    /** Seconds of work each new worker should find (NaN: boot delay + billing minimum). */
    final double launchHorizonSeconds;
    /** How many relaunches an idle pool worker is worth keeping for (the ski-rental price). */
    final double keepFactor;
    /** Quantile of the seen intervals between bursts at which the next one is expected. */
    final double prewarmQuantile;
    /**
     * Rank (0 = smallest) of the minute-by-minute arrival rates taken as the sustained rate: 0
     * counts only work that arrived in every minute, so bursts a minute or two apart do not start
     * workers while no work is there.
     */
    final double rateQuantile;
    /** Quantile of the recent bursts' work the warm pool is sized for. */
    final double poolQuantile;
    /**
     * Whether bursts on a tight beat ({@code JcloudPolicy#onATightBeat}) are met by the pool alone:
     * it is started again for the median interval, new workers are sized like the cost goal's and
     * extra ones are started only so that a burst ends no later than a cold start sized like Dask's.
     */
    final boolean followsTightBeat;

    AdaptGoal(
            double drainSeconds,
            double utilization,
            double launchHorizonSeconds,
            double keepFactor,
            double prewarmQuantile,
            double rateQuantile,
            double poolQuantile,
            boolean followsTightBeat) {
        this.drainSeconds = drainSeconds;
        this.utilization = utilization;
        this.launchHorizonSeconds = launchHorizonSeconds;
        this.keepFactor = keepFactor;
        this.prewarmQuantile = prewarmQuantile;
        this.rateQuantile = rateQuantile;
        this.poolQuantile = poolQuantile;
        this.followsTightBeat = followsTightBeat;
    }

    /** The name users write: cost, balanced, latency. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The goal called {@code text}; {@code where} names the flag or setting in the error. */
    public static AdaptGoal parse(String text, String where) {
        for (AdaptGoal g : values()) {
            if (g.id().equalsIgnoreCase(text.strip())) {
                return g;
            }
        }
        throw new IllegalArgumentException(where + ": use one of "
                + Arrays.stream(values()).map(AdaptGoal::id).collect(Collectors.joining(", ")) + " (was '" + text
                + "')");
    }
}
