package dev.jcloud.engine.scheduler;

/**
 * The cluster panel's time series: workers, the adaptive target and the cost rate, one sample
 * every {@link #SAMPLE_MILLIS} for the last hour. Owned by the scheduler loop; readers get
 * immutable {@link Slice}s, copied only when a sample was added.
 */
final class ClusterHistory {

    static final long SAMPLE_MILLIS = 2000;
    static final int CAPACITY = 1800;

    private final int capacity;
    private final long sampleMillis;
    private final long[] millis;
    private final int[] workers;
    private final double[] target;
    private final double[] perHour;
    private final double[] total;
    private long next;
    private long lastMillis;
    private Slice last = Slice.EMPTY;

    ClusterHistory() {
        this(CAPACITY, SAMPLE_MILLIS);
    }

    ClusterHistory(int capacity, long sampleMillis) {
        this.capacity = capacity;
        this.sampleMillis = sampleMillis;
        this.millis = new long[capacity];
        this.workers = new int[capacity];
        this.target = new double[capacity];
        this.perHour = new double[capacity];
        this.total = new double[capacity];
    }

    /**
     * Adds a sample when the last one is {@link #SAMPLE_MILLIS} old. Gauges not published are NaN.
     *
     * @return the history as of now (the same object as before when nothing was added)
     */
    Slice sample(long nowMillis, int workerCount, double adaptiveTarget, double dollarsPerHour, double dollarsTotal) {
        if (next > 0 && nowMillis - lastMillis < sampleMillis) {
            return last;
        }
        lastMillis = nowMillis;
        int i = (int) (next % capacity);
        millis[i] = nowMillis;
        workers[i] = workerCount;
        target[i] = adaptiveTarget;
        perHour[i] = dollarsPerHour;
        total[i] = dollarsTotal;
        next++;
        int n = (int) Math.min(next, capacity);
        Slice s = new Slice(next - n, n);
        for (int j = 0; j < n; j++) {
            int k = (int) ((s.firstSeq + j) % capacity);
            s.millis[j] = millis[k];
            s.workers[j] = workers[k];
            s.target[j] = target[k];
            s.perHour[j] = perHour[k];
            s.total[j] = total[k];
        }
        last = s;
        return s;
    }

    /** Samples {@code firstSeq ..}, oldest first; never mutated after construction. */
    static final class Slice {
        static final Slice EMPTY = new Slice(0, 0);

        final long firstSeq;
        final long[] millis;
        final int[] workers;
        final double[] target;
        final double[] perHour;
        final double[] total;

        private Slice(long firstSeq, int n) {
            this.firstSeq = firstSeq;
            this.millis = new long[n];
            this.workers = new int[n];
            this.target = new double[n];
            this.perHour = new double[n];
            this.total = new double[n];
        }

        int size() {
            return millis.length;
        }

        long endSeq() {
            return firstSeq + millis.length;
        }
    }
}
