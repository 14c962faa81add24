package dev.jcloud.engine.scheduler;

import static dev.jcloud.engine.scheduler.TestingCluster.compute;
import static dev.jcloud.engine.scheduler.TestingCluster.encode;
import static dev.jcloud.engine.scheduler.TestingCluster.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientValue;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.PushOrder;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.scheduler.TestingCluster.TestingClient;
import dev.jcloud.engine.scheduler.TestingCluster.TestingWorker;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values a client scatters: the scheduler names a worker, the client sends the value there
 * itself, and the worker reports it as the result of its task; nothing of the value passes through
 * the scheduler unless the worker cannot be reached.
 */
class ScatteredValuesTest {

    private final TestingCluster cluster = new TestingCluster();

    /** The client's answer to a push order: the value of {@code key}, meant for {@code worker}. */
    private static ClientBatch answer(long key, String worker, ClientValue.Builder value) {
        return ClientBatch.newBuilder()
                .addValues(value.setKey(key).setWorkerAddress(worker))
                .build();
    }

    private static TaskSpec.Builder scattered(long key) {
        return task(key).setFromClient(true).setWanted(true);
    }

    @Test
    void aScatteredValueGoesFromItsClientToTheWorkerNamedForItAndItsReadersRunThere() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.startWorker("b");
        TestingClient client = cluster.client("c");
        long k1 = client.key(1);
        long k2 = client.key(2);

        client.submit(scattered(k1), scattered(k2));

        // One value per worker, told to the client; no worker is asked to compute anything.
        assertThat(client.pushOrders).extracting(PushOrder::getKey).containsExactly(k1, k2);
        assertThat(client.pushOrders)
                .extracting(PushOrder::getWorkerAddress)
                .containsExactlyInAnyOrder(a.address(), b.address());
        assertThat(a.computeOrders).isEmpty();
        assertThat(b.computeOrders).isEmpty();

        TestingWorker first = cluster.workerAt(client.pushOrders.get(0).getWorkerAddress());
        first.receive(k1, 41);
        assertThat(client.done).containsKey(k1);
        assertThat(client.done.get(k1).getWorkerAddress()).isEqualTo(first.address());
        assertThat(client.values).containsEntry(k1, 41L);

        long reader = client.key(3);
        client.submit(task(reader, k1).setWanted(true));
        assertThat(first.queuedKeys()).containsExactly(reader);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(reader, compute(reader, new long[] {41}));
    }

    @Test
    void aValueLostWithItsWorkerIsAskedOfTheClientAgainForTasksStillReadingIt() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        long k = client.key(1);
        client.submit(scattered(k));
        a.receive(k, 7);

        TestingWorker b = cluster.startWorker("b");
        long reader = client.key(2);
        a.paused(true);
        client.submit(task(reader, k).setWanted(true));
        a.kill();

        // Not recomputed (there is nothing to compute): the client is asked to send it to b.
        assertThat(client.pushOrders).hasSize(2);
        assertThat(client.pushOrders.get(1).getKey()).isEqualTo(k);
        assertThat(client.pushOrders.get(1).getWorkerAddress()).isEqualTo(b.address());
        assertThat(b.computeOrders).extracting(ComputeTask::getKey).doesNotContain(k);
        b.receive(k, 7);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(reader, compute(reader, new long[] {7}));
        assertThat(client.errors).isEmpty();
    }

    @Test
    void aValueTheClientCannotSendToItsWorkerComesThroughTheScheduler() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        long k = client.key(1);
        client.submit(scattered(k));

        client.send(answer(k, a.address(), ClientValue.newBuilder().setValue(encode(99))));

        // The worker computes the identity of the value it is sent.
        assertThat(a.computeOrders).extracting(ComputeTask::getKey).containsExactly(k);
        assertThat(a.computeOrders.get(0).getArgs(0).getValue()).isEqualTo(encode(99));
        // An answer about a worker the value is no longer meant for is ignored.
        client.send(answer(k, "10.0.0.9:1", ClientValue.newBuilder().setValue(encode(1))));
        assertThat(a.computeOrders).hasSize(1);
    }

    @Test
    void aValueNeededAgainThatItsClientNoLongerHoldsFailsItsReadersSayingWhy() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        long k = client.key(1);
        client.submit(scattered(k));
        a.receive(k, 7);
        long reader = client.key(2);
        a.paused(true);
        client.submit(task(reader, k).setWanted(true));
        client.release(k);
        TestingWorker b = cluster.startWorker("b");
        a.kill();
        assertThat(client.pushOrders).hasSize(2);

        client.send(answer(k, b.address(), ClientValue.newBuilder().setUnavailable(true)));

        assertThat(client.errors).containsKey(reader);
        assertThat(client.errors.get(reader).getMessage())
                .contains("scattered value")
                .contains("no longer holds it");
        client.release(reader);
        cluster.runUntilQuiet();
        assertThat(cluster.core.taskCount()).isZero();
    }

    @Test
    void aValueNeededAgainAfterItsClientLeftFailsItsReaders() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient owner = cluster.client("owner");
        TestingClient other = cluster.client("other");
        long k = owner.key(1);
        owner.submit(scattered(k));
        a.receive(k, 7);
        long reader = other.key(1);
        a.paused(true);
        other.submit(task(reader, k).setWanted(true));
        owner.disconnect();
        cluster.startWorker("b");
        a.kill();

        assertThat(other.errors).containsKey(reader);
        assertThat(other.errors.get(reader).getMessage()).contains("disconnected");
        other.release(reader);
        cluster.runUntilQuiet();
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(List.of(owner, other))
                .allSatisfy(c -> assertThat(c.unexpected).isEmpty());
    }
}
