package dev.jcloud.engine.bench;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The standard shapes of scheduler benchmarks, the same as {@code shared/bench/dask_anchor.py}
 * runs on Dask, so both can be measured side by side on one machine:
 * <ul>
 *   <li>flat N: N independent no-op tasks, submitted with one {@code map}, waited for;</li>
 *   <li>tree N: a binary reduction over N leaves (2N-1 tasks), one result gathered;</li>
 *   <li>latency: one task submitted and its result received, repeated; the median.</li>
 *   <li>transfer S: 64 tasks each make an S-MiB {@code byte[]}; 64 more each read two of them
 *       (block i and block i+32), so about half of the inputs cross between workers; the best of
 *       three rounds on the warm cluster.</li>
 *   <li>gather S: 16 tasks make S-MiB results and the client gathers them (results to the client).</li>
 *   <li>scatter S: the client scatters 16 S-MiB values and a task reads each (data from the client).</li>
 *   <li>alltoall S: 16 tasks make S-MiB results and 16 more each read all of them (every worker
 *       needs every result once).</li>
 *   <li>args S: {@code map} over 16 S-MiB {@code byte[]} arguments made beforehand (data from the
 *       client, as task arguments).</li>
 * </ul>
 * Each run warms up with one task first, as the anchor does.
 */
public final class EngineBenchmarks {

    private EngineBenchmarks() {}

    public static BenchResult flat(Client client, int tasks) throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        List<Long> items = new ArrayList<>(tasks);
        for (long i = 0; i < tasks; i++) {
            items.add(i);
        }
        long t0 = System.nanoTime();
        List<TaskFuture<Long>> futures = client.map(EngineBenchmarks::noop, items);
        for (TaskFuture<Long> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new BenchResult("flat", tasks, seconds);
    }

    public static BenchResult tree(Client client, int leaves) throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        long t0 = System.nanoTime();
        List<Delayed<Long>> level = new ArrayList<>(leaves);
        for (long i = 0; i < leaves; i++) {
            level.add(Delayed.apply(EngineBenchmarks::noop, i));
        }
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i < level.size(); i += 2) {
                next.add(
                        i + 1 < level.size()
                                ? level.get(i).combine(level.get(i + 1), EngineBenchmarks::add)
                                : level.get(i));
            }
            level = next;
        }
        long total = client.compute(level.get(0)).get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (total != (long) leaves * (leaves - 1) / 2) {
            throw new IllegalStateException("tree reduction returned " + total);
        }
        return new BenchResult("tree", 2L * leaves - 1, seconds);
    }

    /** Median submit-to-result time of one task at a time, in seconds (as BenchResult.seconds). */
    public static BenchResult latency(Client client, int rounds) throws InterruptedException, ExecutionException {
        for (int i = 0; i < Math.min(200, rounds); i++) {
            client.submit(() -> 1L).get();
        }
        double[] samples = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            client.submit(EngineBenchmarks::one).get();
            samples[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(samples);
        return new BenchResult("latency_p50", rounds, samples[rounds / 2]);
    }

    /** Blocks made and read per transfer round, as in the anchor. */
    public static final int TRANSFER_BLOCKS = 64;

    /**
     * The transfer shape: {@link BenchResult#seconds()} is the best round, {@link BenchResult#median()}
     * the median one; MiB moved per second is {@code TRANSFER_BLOCKS * mib / seconds}, the anchor's figure.
     */
    public static BenchResult transfer(Client client, int mib, int rounds)
            throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        int n = TRANSFER_BLOCKS;
        long expected = 0;
        for (int i = 0; i < n; i++) {
            expected += 2L * (mib << 20) + (i % 256) + ((i + n / 2) % n % 256);
        }
        double[] times = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            List<Delayed<byte[]>> blocks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                blocks.add(Delayed.apply(EngineBenchmarks::block, List.of((long) i, (long) mib)));
            }
            List<Delayed<Long>> reads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                reads.add(blocks.get(i).combine(blocks.get((i + n / 2) % n), EngineBenchmarks::touch));
            }
            long total = sumOf(client, reads);
            times[round] = (System.nanoTime() - t0) / 1e9;
            if (total != expected) {
                throw new IllegalStateException("transfer round returned " + total + ", expected " + expected);
            }
        }
        return rounds("transfer", 2L * n, times);
    }

    /** Results made and gathered, or values scattered, per round of the gather and scatter shapes. */
    public static final int MOVED_BLOCKS = 16;

    /**
     * The gather shape: {@link #MOVED_BLOCKS} tasks make S-MiB {@code byte[]} results and the client
     * gathers them all; the best and the median of {@code rounds}. MiB/s is {@code MOVED_BLOCKS * mib / seconds}.
     */
    public static BenchResult gather(Client client, int mib, int rounds)
            throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        double[] times = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            List<List<Long>> args = new ArrayList<>(MOVED_BLOCKS);
            for (int i = 0; i < MOVED_BLOCKS; i++) {
                args.add(List.of((long) (round * MOVED_BLOCKS + i), (long) mib));
            }
            long total = 0;
            for (byte[] b : client.gather(client.map(EngineBenchmarks::block, args))) {
                total += b.length;
            }
            times[round] = (System.nanoTime() - t0) / 1e9;
            if (total != (long) MOVED_BLOCKS * (mib << 20)) {
                throw new IllegalStateException("gather round returned " + total + " bytes");
            }
        }
        return rounds("gather", MOVED_BLOCKS, times);
    }

    /**
     * The scatter shape: the client scatters {@link #MOVED_BLOCKS} S-MiB {@code byte[]} values made
     * beforehand and a task per value reads it; the best and the median of {@code rounds}.
     */
    public static BenchResult scatter(Client client, int mib, int rounds)
            throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        double[] times = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            List<byte[]> values = clientBlocks(round, mib);
            long t0 = System.nanoTime();
            List<Delayed<Long>> reads = new ArrayList<>(MOVED_BLOCKS);
            for (TaskFuture<byte[]> f : client.scatter(values)) {
                reads.add(Delayed.call(EngineBenchmarks::length, Delayed.of(f)));
            }
            long total = sumOf(client, reads);
            times[round] = (System.nanoTime() - t0) / 1e9;
            if (total != (long) MOVED_BLOCKS * (mib << 20)) {
                throw new IllegalStateException("scatter round read " + total + " bytes");
            }
        }
        return rounds("scatter", MOVED_BLOCKS, times);
    }

    /** The {@link #MOVED_BLOCKS} values of {@code mib} MiB a round sends from the client, made beforehand. */
    private static List<byte[]> clientBlocks(int round, int mib) {
        List<byte[]> values = new ArrayList<>(MOVED_BLOCKS);
        for (int i = 0; i < MOVED_BLOCKS; i++) {
            values.add(block(List.of((long) (round * MOVED_BLOCKS + i), (long) mib)));
        }
        return values;
    }

    /** Computes {@code reads} and adds their results up. */
    private static long sumOf(Client client, List<Delayed<Long>> reads)
            throws InterruptedException, ExecutionException {
        long total = 0;
        for (TaskFuture<Long> f : client.compute(reads)) {
            total += f.get();
        }
        return total;
    }

    /** The best and the median of a shape's round times (the median of an even count: the lower middle). */
    static BenchResult rounds(String shape, long tasks, double[] times) {
        double[] sorted = times.clone();
        java.util.Arrays.sort(sorted);
        return new BenchResult(shape, tasks, sorted[0], sorted[(sorted.length - 1) / 2]);
    }

    /**
     * The all-to-all shape: {@link #MOVED_BLOCKS} tasks make S-MiB results and as many more each
     * read all of them through {@code Delayed.all}; the best and the median of {@code rounds}. MiB/s
     * is {@code MOVED_BLOCKS * mib / seconds}, as for gather.
     */
    public static BenchResult alltoall(Client client, int mib, int rounds)
            throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        long expected = (long) MOVED_BLOCKS * MOVED_BLOCKS * (mib << 20);
        double[] times = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            List<Delayed<byte[]>> blocks = new ArrayList<>(MOVED_BLOCKS);
            for (int i = 0; i < MOVED_BLOCKS; i++) {
                blocks.add(
                        Delayed.apply(EngineBenchmarks::block, List.of((long) (round * MOVED_BLOCKS + i), (long) mib)));
            }
            Delayed<List<byte[]>> all = Delayed.all(blocks);
            List<Delayed<Long>> reads = new ArrayList<>(MOVED_BLOCKS);
            for (int i = 0; i < MOVED_BLOCKS; i++) {
                reads.add(all.then(EngineBenchmarks::totalLength));
            }
            long total = sumOf(client, reads);
            times[round] = (System.nanoTime() - t0) / 1e9;
            if (total != expected) {
                throw new IllegalStateException("alltoall round read " + total + " bytes, expected " + expected);
            }
        }
        return rounds("alltoall", 2L * MOVED_BLOCKS, times);
    }

    /**
     * The arguments shape: {@code client.map} over {@link #MOVED_BLOCKS} S-MiB {@code byte[]}
     * values made beforehand, each task returning its argument's length; the best and the median
     * of {@code rounds}.
     */
    public static BenchResult args(Client client, int mib, int rounds) throws InterruptedException, ExecutionException {
        client.submit(() -> 0L).get();
        double[] times = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            List<byte[]> values = clientBlocks(round, mib);
            long t0 = System.nanoTime();
            long total = 0;
            for (long n : client.gather(client.map(EngineBenchmarks::length, values))) {
                total += n;
            }
            times[round] = (System.nanoTime() - t0) / 1e9;
            if (total != (long) MOVED_BLOCKS * (mib << 20)) {
                throw new IllegalStateException("args round read " + total + " bytes");
            }
        }
        return rounds("args", MOVED_BLOCKS, times);
    }

    static Long totalLength(List<byte[]> blocks) {
        long n = 0;
        for (byte[] b : blocks) {
            n += b.length;
        }
        return n;
    }

    static Long length(byte[] b) {
        return (long) b.length;
    }

    /** Block {@code i} of {@code mib} MiB, every byte {@code i % 256}. */
    static byte[] block(List<Long> indexAndMib) {
        byte[] b = new byte[(int) (indexAndMib.get(1) << 20)];
        java.util.Arrays.fill(b, (byte) (indexAndMib.get(0) % 256));
        return b;
    }

    static Long touch(byte[] a, byte[] b) {
        return (long) a.length + b.length + (a[a.length / 2] & 0xFF) + (b[0] & 0xFF);
    }

    static Long noop(Long x) {
        return x;
    }

    static Long add(Long a, Long b) {
        return a + b;
    }

    static Long one() {
        return 1L;
    }
}
