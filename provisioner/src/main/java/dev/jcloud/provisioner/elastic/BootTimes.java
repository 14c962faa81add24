package dev.jcloud.provisioner.elastic;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Boot delays measured on the platform: from a worker's launch until it registered. The
 * controller records each worker it started and plans with {@link #estimateSeconds}: the upper
 * quartile of the recent ones, so a slow start now and then is planned for without one outlier
 * deciding alone; the assumed figure until one is measured.
 */
public final class BootTimes {

    private static final int HISTORY = 32;

    private final double assumedSeconds;
    private final Deque<Double> samples = new ArrayDeque<>();

    /** @param assumedSeconds the provider's typical boot delay, used until a start is measured */
    public BootTimes(double assumedSeconds) {
        this.assumedSeconds = assumedSeconds;
    }

    /** Records one start that took {@code seconds} from launch to registration. */
    public void record(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            return;
        }
        samples.addLast(seconds);
        if (samples.size() > HISTORY) {
            samples.removeFirst();
        }
    }

    /** Starts measured so far (at most the recent {@value #HISTORY}). */
    public int count() {
        return samples.size();
    }

    /** The boot delay to plan with: the upper quartile of the measured ones, else the assumed one. */
    public double estimateSeconds() {
        return samples.isEmpty() ? assumedSeconds : JcloudPolicy.quantile(samples, 0.75);
    }
}
