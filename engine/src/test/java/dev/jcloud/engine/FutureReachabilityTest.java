package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A future that is only referenced by the thread waiting on it must not be released under that
 * thread's feet (it once was: the Cleaner ran during get() and the result was dropped).
 */
class FutureReachabilityTest {

    @Test
    void roundTripsUnderGcPressureAllComplete() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread gc = new Thread(() -> {
                // Allocation pressure: frequent young collections, which is where a short-lived
                // future would be found unreachable and cleaned.
                byte[][] sink = new byte[64][];
                for (int i = 0; running.get(); i++) {
                    sink[i & 63] = new byte[256 << 10];
                    if ((i & 63) == 0) {
                        Thread.yield();
                    }
                }
            });
            gc.setDaemon(true);
            gc.start();
            try {
                long sum = 0;
                for (int i = 0; i < 3000; i++) {
                    sum += client.submit(() -> 1L).get(10, TimeUnit.SECONDS);
                }
                assertThat(sum).isEqualTo(3000);
                CompletableFuture<Long> onlyTheView = client.submit(() -> 2L).toCompletableFuture();
                System.gc();
                assertThat(onlyTheView.get(10, TimeUnit.SECONDS)).isEqualTo(2L);
            } finally {
                running.set(false);
            }
        }
    }

    /** Gets a 4 MiB result and drops its future; returns a weak reference to the result. */
    private static WeakReference<byte[]> resultOfADroppedFuture(Client client) throws Exception {
        TaskFuture<byte[]> f = client.submit(() -> new byte[4 << 20]);
        return new WeakReference<>(f.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aDroppedFuturesResultIsFreedWithItNotACollectionAfterItsCleanerRan() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            WeakReference<byte[]> result = resultOfADroppedFuture(client);
            // One collection: the client's own bookkeeping must not keep the result reachable
            // until the future's cleaner has run (a loop gathering large results filled the heap).
            System.gc();
            assertThat(result.get()).isNull();
        }
    }

    /**
     * Maps over a 4 MiB argument and scatters another, waits for both to be used, and drops the
     * futures; returns weak references to the two arrays.
     */
    private static List<WeakReference<byte[]>> valuesOfDroppedFutures(Client client) throws Exception {
        byte[] argument = new byte[4 << 20];
        byte[] scattered = new byte[4 << 20];
        List<TaskFuture<Integer>> read = client.map(b -> b.length, List.of(argument));
        TaskFuture<byte[]> kept = client.scatter(scattered);
        assertThat(read.get(0).get(30, TimeUnit.SECONDS)).isEqualTo(4 << 20);
        assertThat(client.compute(Delayed.of(kept).then(b -> b.length)).get(30, TimeUnit.SECONDS))
                .isEqualTo(4 << 20);
        return List.of(new WeakReference<>(argument), new WeakReference<>(scattered));
    }

    @Test
    void valuesSentFromTheClientAreFreedWithTheirFuturesNotACollectionAfterTheirCleanersRan() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            List<WeakReference<byte[]>> values = valuesOfDroppedFutures(client);
            // The transfers that sent them end with the values' arrival, before the tasks ran.
            TimeUnit.MILLISECONDS.sleep(200);
            System.gc();
            assertThat(values).allSatisfy(v -> assertThat(v.get()).isNull());
        }
    }

    @Test
    void waitingOnAReleasedFutureFailsInsteadOfHanging() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            TaskFuture<Long> slow = client.submit(() -> {
                Thread.sleep(5_000);
                return 1L;
            });
            slow.release();
            assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(CancellationException.class)
                    .hasMessageContaining("released");
        }
    }

    @Test
    void twoFuturesOfOneKeyBothCompleteAndTheKeyLivesUntilTheLastIsReleased() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            long inMemory = client.summary().tasksInMemory();
            Delayed<Long> graph = Delayed.value(20L).then(x -> x + 1);
            List<TaskFuture<Long>> twice = client.compute(List.of(graph, graph));
            assertThat(twice.get(1).get(10, TimeUnit.SECONDS)).isEqualTo(21L);
            assertThat(twice.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(21L);

            twice.get(1).release();
            twice.get(1).release(); // a second release of the same future counts once
            TimeUnit.MILLISECONDS.sleep(300); // releases travel with the session's next message
            assertThat(client.summary().tasksInMemory() - inMemory).isEqualTo(1);
            TaskFuture<Long> reader = client.compute(Delayed.of(twice.get(0)).then(x -> x * 2));
            assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(42L);

            reader.release();
            twice.get(0).release();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> client.summary().tasksInMemory() == inMemory);
        }
    }
}
