package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.api.TaskFuture;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientApiTest {

    static InProcessCluster cluster;
    static Client client;

    @BeforeAll
    static void up() throws Exception {
        cluster = InProcessCluster.start(2, 2);
        client = cluster.connect();
    }

    @AfterAll
    static void down() {
        client.close();
        cluster.close();
    }

    static long sum(List<Long> xs) {
        return xs.stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void submitMapGatherCompute() throws Exception {
        Future<Long> f = client.submit(() -> 6L * 7);
        assertThat(f.get()).isEqualTo(42L);

        List<Long> squares = client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L)));
        assertThat(squares).containsExactly(1L, 4L, 9L);

        List<Delayed<Long>> parts = new ArrayList<>();
        for (long i = 0; i < 10; i++) {
            parts.add(Delayed.apply(x -> x * 10, i));
        }
        Delayed<Long> total = Delayed.all(parts).then(ClientApiTest::sum);
        assertThat(client.compute(total).get()).isEqualTo(450L);
    }

    static String shape(List<List<Long>> lists) {
        return lists.toString();
    }

    static Integer size(List<Long> xs) {
        return xs.size();
    }

    static String show(List<Object> xs) {
        return xs.toString();
    }

    @Test
    void aListOfPartsReachesItsReadersWithoutATaskOfItsOwn() throws Exception {
        try (Client own = cluster.connect()) {
            List<Delayed<Long>> parts = new ArrayList<>();
            for (long i = 0; i < 10; i++) {
                parts.add(Delayed.apply(x -> x * 10, i));
            }
            Delayed<List<Long>> all = Delayed.all(parts);
            long before = own.summary().tasksCompletedTotal();
            List<TaskFuture<Object>> readers = own.compute(List.of(
                    all.then(ClientApiTest::sum).then(x -> (Object) x),
                    all.then(ClientApiTest::size).then(x -> (Object) x)));
            assertThat(own.gather(readers)).containsExactly(450L, 10);
            // 10 parts, 2 readers, 2 conversions: no task made the list.
            assertThat(own.summary().tasksCompletedTotal() - before).isEqualTo(14);

            // Lists of lists keep their shape; literals, nulls and submitted futures may be parts.
            Delayed<List<List<Long>>> nested =
                    Delayed.all(List.of(Delayed.all(parts.subList(0, 2)), Delayed.all(parts.subList(2, 4))));
            assertThat(own.compute(nested.then(ClientApiTest::shape)).get()).isEqualTo("[[0, 10], [20, 30]]");
            TaskFuture<Long> submitted = own.submit(() -> 7L);
            Delayed<List<Object>> mixed =
                    Delayed.all(List.of(Delayed.value(1L), Delayed.value(null), Delayed.of(submitted), parts.get(5)));
            assertThat(own.compute(mixed.then(ClientApiTest::show)).get()).isEqualTo("[1, null, 7, 50]");
            // Computed alone, the list is still a result of its own.
            assertThat(own.compute(Delayed.all(parts.subList(0, 3))).get()).containsExactly(0L, 10L, 20L);
        }
    }

    @Test
    void treeReduction() throws Exception {
        int n = 1000;
        List<Delayed<Long>> level = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            level.add(Delayed.value(i));
        }
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? level.get(i).combine(level.get(i + 1), Long::sum) : level.get(i));
            }
            level = next;
        }
        assertThat(client.compute(level.get(0)).get(Duration.ofSeconds(30))).isEqualTo((long) n * (n - 1) / 2);
    }

    @Test
    void manyTasks() throws Exception {
        List<Long> items = LongStream.range(0, 20_000).boxed().toList();
        List<TaskFuture<Long>> futures = client.map(x -> x + 1, items);
        assertThat(sum(client.gather(futures)))
                .isEqualTo(LongStream.range(1, 20_001).sum());
    }

    @Test
    void exceptionsArriveWithTypeMessageAndTrace() {
        TaskFuture<Integer> f = client.submit(() -> {
            throw new IllegalStateException("boom");
        });
        assertThatThrownBy(f::get)
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("IllegalStateException")
                .hasMessageContaining("boom")
                .satisfies(e -> {
                    TaskFailedException t = (TaskFailedException) e;
                    assertThat(t.getCause())
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessage("boom");
                    assertThat(t.remoteStackTrace()).contains("ClientApiTest");
                });
    }

    @Test
    void dependentsOfAFailureFail() {
        Delayed<Long> bad = Delayed.call(() -> {
            throw new ArithmeticException("nope");
        });
        TaskFuture<Long> f = client.compute(bad.then(x -> x + 1));
        assertThatThrownBy(f::get)
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("dependency")
                .hasRootCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void largeResultsAreFetchedFromTheWorker() throws Exception {
        TaskFuture<byte[]> f = client.submit(() -> new byte[3 << 20]);
        assertThat(f.get()).hasSize(3 << 20);
    }

    @Test
    void completableFutureInterop() throws Exception {
        CompletableFuture<Long> cf =
                client.submit(() -> 5L).toCompletableFuture().thenApply(x -> x * 2);
        assertThat(cf.get()).isEqualTo(10L);
    }

    @Test
    void scatterThenUse() throws Exception {
        TaskFuture<String> data = client.scatter("hello");
        TaskFuture<Integer> len = client.compute(Delayed.of(data).then(String::length));
        assertThat(len.get()).isEqualTo(5);
    }

    static long checksum(byte[] b) {
        long sum = 0;
        for (byte x : b) {
            sum = sum * 31 + x;
        }
        return sum;
    }

    @Test
    void largeScatteredValuesGoFromTheClientStraightToTheWorkers() throws Exception {
        long before =
                cluster.workers().stream().mapToLong(w -> w.valuesReceived()).sum();
        List<byte[]> blocks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] b = new byte[(1 << 20) + i];
            java.util.Arrays.fill(b, (byte) i);
            blocks.add(b);
        }
        List<TaskFuture<byte[]>> scattered = client.scatter(blocks);
        List<Delayed<Long>> sums = new ArrayList<>();
        for (TaskFuture<byte[]> f : scattered) {
            sums.add(Delayed.of(f).then(ClientApiTest::checksum));
        }
        List<Long> expected = blocks.stream().map(ClientApiTest::checksum).toList();

        assertThat(client.gather(client.compute(sums))).containsExactlyElementsOf(expected);
        assertThat(scattered.get(5).get()).isEqualTo(blocks.get(5));
        long received =
                cluster.workers().stream().mapToLong(w -> w.valuesReceived()).sum() - before;
        assertThat(received).isEqualTo(6);
        // Spread over both workers, as the tasks reading them will be.
        assertThat(cluster.workers())
                .allSatisfy(w -> assertThat(w.valuesReceived()).isPositive());
    }

    private static long valuesReceived() {
        return cluster.workers().stream().mapToLong(w -> w.valuesReceived()).sum();
    }

    /** The longs 0..n-1, little-endian, in a direct buffer (not an array a task could share). */
    static ByteBuffer longs(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            b.putLong(i);
        }
        return b.flip();
    }

    /** Reads without moving the position: the buffer may be another task's input too. */
    static long sumOfLongs(ByteBuffer b) {
        long sum = 0;
        for (int i = b.position(); i + 8 <= b.limit(); i += 8) {
            sum += b.getLong(i);
        }
        return sum;
    }

    @Test
    void byteBuffersTravelAsResultsAndArgumentsWithTheirBytesAndOrder() throws Exception {
        int n = 1 << 17; // 1 MiB
        long expected = (long) n * (n - 1) / 2;
        TaskFuture<ByteBuffer> made = client.submit(() -> longs(n));
        ByteBuffer back = made.get();
        assertThat(back.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(back.remaining()).isEqualTo(n * 8);
        assertThat(back.getLong(8 * 1000)).isEqualTo(1000L);

        assertThat(client.compute(Delayed.of(made).then(ClientApiTest::sumOfLongs))
                        .get())
                .isEqualTo(expected);
        assertThat(client.gather(client.map(ClientApiTest::sumOfLongs, List.of(longs(n), longs(10)))))
                .containsExactly(expected, 45L);
    }

    private static byte[] block(int size, int fill) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void largeArgumentsGoFromTheClientStraightToTheWorkersOncePerObject() throws Exception {
        long before = valuesReceived();
        byte[] shared = block(1 << 20, 7);
        List<byte[]> items = List.of(block(1 << 20, 1), shared, block(100, 2), shared, block(2 << 20, 3));
        List<Long> expected = items.stream().map(ClientApiTest::checksum).toList();

        assertThat(client.gather(client.map(ClientApiTest::checksum, items))).containsExactlyElementsOf(expected);
        // Three large objects (one passed twice) went straight to workers; the small one went inline.
        assertThat(valuesReceived() - before).isEqualTo(3);

        assertThat(client.submit(ClientApiTest::checksum, shared).get()).isEqualTo(checksum(shared));
        assertThat(valuesReceived() - before).isEqualTo(4);

        Delayed<Long> graph = Delayed.apply(ClientApiTest::checksum, shared)
                .combine(Delayed.apply(ClientApiTest::checksum, shared), Long::sum);
        assertThat(client.compute(graph).get()).isEqualTo(2 * checksum(shared));
        assertThat(valuesReceived() - before).isEqualTo(5);
    }

    @Test
    void largeArgumentsTogetherLargerThanAMessageStillGo() throws Exception {
        // Six of 48 MiB: 288 MiB in one map, more than a message to the scheduler may carry.
        List<byte[]> items = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            items.add(block(48 << 20, i));
        }
        List<Long> sizes = client.gather(client.map(b -> (long) b.length, items));
        assertThat(sizes).containsOnly(48L << 20);
    }

    @Test
    void aLargeArgumentIsReleasedWithTheLastFutureReadingIt() throws Exception {
        try (Client own = cluster.connect()) {
            byte[] shared = block(1 << 20, 9);
            long inMemory = own.summary().tasksInMemory();
            List<TaskFuture<Long>> futures = own.map(ClientApiTest::checksum, List.of(shared, shared));
            own.gather(futures);
            // The two results and the argument they read.
            assertThat(own.summary().tasksInMemory() - inMemory).isEqualTo(3);
            futures.get(0).release();
            java.util.concurrent.TimeUnit.MILLISECONDS.sleep(300);
            assertThat(own.summary().tasksInMemory() - inMemory).isEqualTo(2);
            futures.get(1).release();
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> own.summary().tasksInMemory() == inMemory);
        }
    }
}
