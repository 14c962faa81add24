package dev.jcloud.engine.scheduler;

import static dev.jcloud.engine.scheduler.TestingCluster.compute;
import static dev.jcloud.engine.scheduler.TestingCluster.lit;
import static dev.jcloud.engine.scheduler.TestingCluster.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.DepLocation;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.Replicate;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.scheduler.TestingCluster.TestingClient;
import dev.jcloud.engine.scheduler.TestingCluster.TestingWorker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SchedulerCoreTest {

    private final TestingCluster cluster = new TestingCluster();

    private static long v(long key, long... args) {
        return compute(key, args);
    }

    // ------------------------------------------------------------------ graphs

    @Test
    void aSubmissionSplitOverBatchesKeepsResultsUntilTheirDependentsArrive() {
        // Regression: the client sends big graphs in chunks. A task of the first chunk that finished
        // before the chunk holding its dependent arrived was released and forgotten, and the
        // dependent then failed with "dependency unknown to the scheduler".
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.send(ClientBatch.newBuilder()
                .addFunctions(TestingCluster.FN)
                .addTasks(task(1).build())
                .setMore(true)
                .build());
        cluster.runUntilQuiet();
        assertThat(a.store).containsKey(1L);
        assertThat(cluster.core.taskCount()).isEqualTo(1);

        client.send(ClientBatch.newBuilder()
                .addTasks(task(2, 1).setWanted(true).build())
                .build());
        cluster.runUntilQuiet();
        assertThat(client.errors).isEmpty();
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
        assertThat(a.store).containsOnlyKeys(2L); // unpinned once the submission was complete

        // A submission left unfinished by a client that leaves is unpinned too.
        client.send(
                ClientBatch.newBuilder().addTasks(task(3).build()).setMore(true).build());
        cluster.runUntilQuiet();
        client.release(2);
        client.disconnect();
        cluster.runUntilQuiet();
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(a.store).isEmpty();
    }

    @Test
    void chainCompletesReportsOnlyWantedKeysAndReleasesIntermediates() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");

        client.submit(task(1), task(2, 1), task(3, 2).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(1L);
        cluster.runUntilQuiet();

        long v1 = v(1);
        long v2 = v(2, v1);
        assertThat(client.doneKeys()).containsExactly(3L);
        assertThat(client.values).containsEntry(3L, v(3, v2));
        assertThat(client.errors).isEmpty();
        // Each intermediate is released once its only dependent finished; the root is kept.
        assertThat(a.releaseOrders).containsExactly(1L, 2L);
        assertThat(a.store).containsOnlyKeys(3L);
        assertThat(cluster.core.taskCount()).isEqualTo(3);

        client.release(3);
        assertThat(a.releaseOrders).containsExactly(1L, 2L, 3L);
        assertThat(a.store).isEmpty();
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(cluster.core.hasWork()).isFalse();
    }

    @Test
    void diamondOnTwoWorkersCompletesWithCorrectValue() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.startWorker("b");
        TestingClient client = cluster.client("c");

        client.submit(
                task(1).addArgs(lit(7)), task(2, 1), task(3, 1), task(4, 2, 3).setWanted(true));
        cluster.runUntilQuiet();

        long v1 = v(1, 7);
        assertThat(client.doneKeys()).containsExactly(4L);
        assertThat(client.values).containsEntry(4L, v(4, v(2, v1), v(3, v1)));
        List<Long> released = new ArrayList<>(a.releaseOrders);
        released.addAll(b.releaseOrders);
        assertThat(released).contains(1L, 2L, 3L).doesNotContain(4L);

        client.release(4);
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(a.store).isEmpty();
        assertThat(b.store).isEmpty();
    }

    @Test
    void sharedInputIsKeptUntilItsLastDependentFinishes() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true), task(3, 1).setWanted(true));
        a.run(1);
        a.run(2);
        assertThat(a.releaseOrders).isEmpty();
        a.run(3);
        assertThat(a.releaseOrders).containsExactly(1L);
        client.release(2, 3);
        assertThat(cluster.core.taskCount()).isZero();
    }

    // ------------------------------------------------------------------ failures

    @Test
    void failurePropagatesTheOriginalErrorToDependents() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(
                task(1), task(2, 1), task(3, 2).setWanted(true), task(4, 1).setWanted(true));

        a.run(1);
        a.fail(2, "java.lang.ArithmeticException", "/ by zero", false);
        cluster.runUntilQuiet();

        TaskError e = client.errors.get(3L);
        assertThat(e).isNotNull();
        assertThat(e.getKey()).isEqualTo(3);
        assertThat(e.getFailedKey()).isEqualTo(2);
        assertThat(e.getExceptionClass()).isEqualTo("java.lang.ArithmeticException");
        assertThat(e.getMessage()).isEqualTo("/ by zero");
        assertThat(e.getRemoteTrace()).isEqualTo("at Testing.f");
        assertThat(client.values).containsEntry(4L, v(4, v(1)));
        assertThat(a.releaseOrders).contains(1L);
        assertThat(a.computedKeys()).doesNotContain(3L);

        // A later task on an erred key fails at once, with the same original error.
        client.submit(task(5, 3).setWanted(true));
        assertThat(client.errors.get(5L).getFailedKey()).isEqualTo(2);

        client.release(3, 4, 5);
        assertThat(cluster.core.taskCount()).isZero();
    }

    @Test
    void retriesRerunAFailingTask() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setRetries(2).setWanted(true));

        a.fail(1, "java.io.IOException", "flaky");
        a.fail(1, "java.io.IOException", "flaky");
        assertThat(client.errors).isEmpty();
        a.run(1);
        assertThat(client.values).containsEntry(1L, v(1));
        assertThat(a.computedKeys()).containsExactly(1L, 1L, 1L);
    }

    @Test
    void retriesRunOutAndNonRetryableFailuresSkipThem() {
        TestingWorker a = cluster.worker("a").threads(4).start();
        TestingClient client = cluster.client("c");
        client.submit(
                task(1).setRetries(1).setWanted(true), task(2).setRetries(5).setWanted(true));

        a.fail(1, "java.io.IOException", "flaky");
        a.fail(1, "java.io.IOException", "still flaky");
        assertThat(client.errors.get(1L).getMessage()).isEqualTo("still flaky");

        a.fail(2, "java.io.InvalidClassException", "cannot deserialize", false);
        assertThat(client.errors.get(2L).getExceptionClass()).isEqualTo("java.io.InvalidClassException");
        assertThat(a.computedKeys()).containsExactly(1L, 2L, 1L);
    }

    /** Regression: a record erred at submission had no inputs array, and forgetting it threw. */
    @Test
    void undefinedFunctionFailsTheTaskAndItsRecordCanBeReleased() {
        cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.send(ClientBatch.newBuilder()
                .addFunctions(TestingCluster.FN)
                .addTasks(task(1).setFunction(999).setWanted(true))
                .addTasks(task(2).setFunction(999))
                .addTasks(task(3, 42).setWanted(true))
                .build());
        assertThat(client.errors.get(1L).getMessage()).contains("never defined");
        assertThat(client.errors.get(3L).getMessage()).contains("unknown to the scheduler");
        assertThat(client.errors.get(3L).getFailedKey()).isEqualTo(42);
        client.release(1, 3);
        assertThat(cluster.core.taskCount()).isZero();
    }

    /**
     * Regression: an input that failed was erred and, nothing depending on it yet, forgotten at
     * once; a later task of the same batch using it then got "dependency unknown to the
     * scheduler" instead of the original error.
     */
    @Test
    void taskOfABatchUsingAnInputThatErredInTheSameBatchGetsTheOriginalError() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.fail(1, "java.lang.IllegalArgumentException", "bad input", false);
        client.submit(task(2, 1), task(3, 2).setWanted(true));
        TaskError e = client.errors.get(3L);
        assertThat(e.getFailedKey()).isEqualTo(1);
        assertThat(e.getExceptionClass()).isEqualTo("java.lang.IllegalArgumentException");
        client.release(1, 3);
        assertThat(cluster.core.taskCount()).isZero();
    }

    /** Regression: only the failed task was forgotten; an erred dependent nobody waits on stayed forever. */
    @Test
    void erredFireAndForgetTaskIsForgotten() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1));
        a.fail(1, "java.lang.RuntimeException", "boom", false);
        assertThat(client.errors).isEmpty();
        assertThat(cluster.core.taskCount()).isZero();
    }

    // ------------------------------------------------------------------ worker loss

    @Test
    void workerDeathRerunsItsProcessingTasksElsewhere() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(1L);
        TestingWorker b = cluster.startWorker("b");
        assertThat(b.computeOrders).isEmpty();

        a.kill();
        assertThat(b.queuedKeys()).containsExactly(1L);
        b.run(1);
        assertThat(client.values).containsEntry(1L, v(1));
    }

    /**
     * Regression: scaling down retired the idle workers and every result their client had
     * already received inline was computed again, starting machines for nothing.
     */
    @Test
    void aLostResultTheClientReceivedInlineIsNotComputedAgainUntilSomethingReadsIt() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        assertThat(client.values).containsEntry(1L, v(1));
        TestingWorker b = cluster.startWorker("b");

        a.kill();
        cluster.runUntilQuiet();
        assertThat(b.computeOrders).isEmpty();
        assertThat(client.values).containsEntry(1L, v(1));

        client.submit(task(2, 1).setWanted(true));
        cluster.runUntilQuiet();
        assertThat(b.computedKeys()).containsExactly(1L, 2L);
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
    }

    @Test
    void aLostResultTheClientMustStillFetchIsComputedAgain() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false;
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");

        a.kill();
        assertThat(b.queuedKeys()).containsExactly(1L);
    }

    @Test
    void workerDeathRecomputesLostResultsNeededByPendingDependents() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(3).addResources(res("X", 1)), task(2, 1, 3).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(1L);
        assertThat(b.queuedKeys()).containsExactly(3L);

        a.run(1);
        a.kill();
        // 1 was only on a and 2 still needs it: computed again, on b.
        assertThat(b.queuedKeys()).containsExactly(3L, 1L);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(2L, v(2, v(1), v(3)));
        assertThat(b.computedKeys()).containsExactly(3L, 1L, 2L);
    }

    @Test
    void taskRunningOnThreeWorkersThatDiedIsErredAsKiller() {
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true), task(2, 1).setWanted(true));
        TestingWorker previous = cluster.startWorker("w0");
        for (int i = 1; i <= 3; i++) {
            assertThat(previous.queuedKeys()).containsExactly(1L);
            TestingWorker next = cluster.startWorker("w" + i);
            previous.kill("segfault");
            previous = next;
        }
        assertThat(previous.computeOrders).isEmpty();
        TaskError e = client.errors.get(1L);
        assertThat(e.getExceptionClass()).isEqualTo("dev.jcloud.engine.KilledWorkerException");
        assertThat(e.getMessage()).contains("3 workers");
        assertThat(client.errors.get(2L).getFailedKey()).isEqualTo(1);
        client.release(1, 2);
        assertThat(cluster.core.taskCount()).isZero();
    }

    @Test
    void silentWorkerTimesOutAndItsWorkMoves() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        TestingWorker b = cluster.startWorker("b");
        cluster.tick(5_000);
        b.heartbeat();
        cluster.tick(5_001);
        assertThat(a.alive).isFalse();
        assertThat(b.alive).isTrue();
        assertThat(b.queuedKeys()).containsExactly(1L);
    }

    /**
     * Regression: a dependent already running on another worker when its input's last copy died
     * stayed "processing" with an input not in memory; a retry or steal then placed it and
     * {@code assign} dereferenced the input's null holder.
     */
    @Test
    void dependentRunningElsewhereWaitsAgainWhenItsInputIsLost() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true).setRetries(1).addResources(res("X", 1)));
        a.run(1);
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        assertThat(b.queuedKeys()).containsExactly(2L);
        assertThat(b.computeOrders.get(0).getLocationsList())
                .containsExactly(
                        DepLocation.newBuilder().setKey(1).setAddress("a:7000").build());

        a.kill();
        // 2 goes back to waiting (b is asked to give it back) while 1 is computed again.
        assertThat(b.stealOrders).containsExactly(2L);
        assertThat(b.queuedKeys()).containsExactly(2L, 1L);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
        assertThat(b.computedKeys()).containsExactly(2L, 1L, 2L);
    }

    @Test
    void lateResultOfAStartedTaskThatWentBackToWaitingIsReleased() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true).addResources(res("X", 1)));
        a.run(1);
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        b.store.put(1L, v(1)); // it fetched 1 before a died...
        b.started.add(2L); // ...and is already running 2
        a.kill();
        b.run(2); // the result is stale: the core wants 1 recomputed first
        assertThat(b.releaseOrders).contains(2L);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
    }

    /**
     * Regression: when a worker holding both an input and its dependent died, the dependent could
     * be recomputed before the input was marked lost, and {@code assign} then dereferenced the
     * input's null holder. Both key orders, since orphans are visited in hash order.
     */
    @ParameterizedTest
    @CsvSource({"10, 20, 30", "2, 1, 500", "2, 4, 500", "1000, 3, 77"})
    void workerHoldingAnInputAndItsDependentDies(long in, long out, long other) {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(in).setWanted(true));
        a.run(in, 1_000_000);
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        client.submit(
                task(other).addResources(res("X", 1)).setWanted(true),
                task(out, in, other).setWanted(true));
        b.run(other, 10);
        assertThat(a.queuedKeys()).containsExactly(out); // where the big input is
        a.run(out);
        TestingWorker c = cluster.startWorker("c");

        a.kill();
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(in, v(in)).containsEntry(out, v(out, v(in), v(other)));
        client.release(in, out, other);
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(b.store).isEmpty();
        assertThat(c.store).isEmpty();
    }

    // ------------------------------------------------------------------ missing data

    @Test
    void missingDependencyWithNoOtherCopyIsRecomputed() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true).addResources(res("X", 1)));
        a.run(1);
        assertThat(b.queuedKeys()).containsExactly(2L);

        a.loseData(1);
        b.run(2); // the fetch from a fails: MissingDep
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
        List<Long> computed = new ArrayList<>(a.computedKeys());
        computed.addAll(b.computedKeys());
        assertThat(computed).containsExactlyInAnyOrder(1L, 1L, 2L, 2L);
    }

    @Test
    void missingDependencyReportedAgainstAStaleHolderIsPlacedAgain() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true).addResources(res("X", 1)));
        a.run(1);
        b.reportMissing(2, 1, "gone:7000");
        assertThat(b.queuedKeys()).containsExactly(2L);
        b.run(2);
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
        assertThat(a.computedKeys()).containsExactly(1L);
    }

    /**
     * Regression: a client that could not fetch from the address it was told (the worker died since)
     * makes the core drop the key's current holder, as the report does not say which address
     * failed; that worker was not told, and kept a copy nobody would ever release.
     */
    @Test
    void copyDroppedOnAClientMissingReportIsReleasedOnItsWorker() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        client.submit(task(2, 1).addResources(res("X", 1)).setWanted(true));
        b.run(2); // b now holds a copy of 1 too
        a.kill();
        assertThat(client.done.get(1L).getWorkerAddress()).isEqualTo("a:7000");

        client.missing(1); // the fetch from a failed
        assertThat(b.releaseOrders).containsExactly(1L);
        assertThat(b.store).doesNotContainKey(1L);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(1L, v(1));
        client.release(1, 2);
        assertThat(b.store).isEmpty();
        assertThat(cluster.core.taskCount()).isZero();
    }

    @Test
    void clientThatCannotFetchAResultGetsItRecomputed() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false; // a result the client fetches from its worker
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        a.loseData(1);
        client.missing(1);
        assertThat(a.queuedKeys()).containsExactly(1L);
        a.run(1);
        assertThat(client.doneKeys()).containsExactly(1L, 1L);
        assertThat(client.values).containsEntry(1L, v(1));
    }

    // ------------------------------------------------------------------ resources

    @Test
    void taskNeedingAResourceWaitsForAWorkerThatOffersIt() {
        TestingWorker cpu = cluster.startWorker("cpu");
        TestingClient client = cluster.client("c");
        client.submit(
                task(1).addResources(res("GPU", 1)).setWanted(true),
                task(2).setWanted(true),
                task(3).addResources(res("GPU", 2)).setWanted(true));
        assertThat(cpu.queuedKeys()).containsExactly(2L);
        cpu.run(2);
        assertThat(cpu.computedKeys()).containsExactly(2L);

        TestingWorker gpu = cluster.worker("gpu").resource("GPU", 1).start();
        assertThat(gpu.queuedKeys()).containsExactly(1L);
        assertThat(gpu.computeOrders.get(0).getResourcesList()).containsExactly(res("GPU", 1));
        gpu.run(1);
        assertThat(client.values).containsOnlyKeys(1L, 2L);
        assertThat(cluster.core.hasWork()).isTrue(); // 3 waits for a worker with two GPUs

        TestingWorker big = cluster.worker("big").resource("GPU", 4).start();
        assertThat(big.queuedKeys()).containsExactly(3L);
        big.run(3);
        assertThat(client.values).containsOnlyKeys(1L, 2L, 3L);
        assertThat(cpu.computedKeys()).containsExactly(2L);
    }

    @Test
    void dependentNeedingAResourceIsNotPlacedOnTheHolderOfItsInput() {
        TestingWorker cpu = cluster.startWorker("cpu");
        TestingWorker gpu = cluster.worker("gpu").resource("GPU", 1).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).addResources(res("GPU", 1)).setWanted(true));
        assertThat(cpu.queuedKeys()).containsExactly(1L);
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(2L, v(2, v(1)));
        assertThat(cpu.computedKeys()).doesNotContain(2L);
        assertThat(gpu.computedKeys()).contains(2L);
    }

    // ------------------------------------------------------------------ walltime

    @Test
    void aWorkerNearItsWalltimeIsGivenNoTaskExpectedToOutlastIt() {
        TestingWorker ending = cluster.worker("ending").retireIn(90_000).start();
        TestingWorker staying = cluster.startWorker("staying");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        // A kind with no finished task has no expected duration: either worker may take it.
        TestingWorker first = ending.queuedKeys().contains(1L) ? ending : staying;
        first.run(1, 8, 60_000_000); // tasks of this kind take a minute

        // 90 s left: a one-minute task still fits on the ending worker.
        client.submit(task(2).setWanted(true), task(3).setWanted(true));
        assertThat(ending.queuedKeys()).isNotEmpty();
        for (TestingWorker w : List.of(ending, staying)) {
            w.queuedKeys().forEach(key -> w.run(key, 8, 60_000_000));
        }

        for (int second = 0; second < 40; second++) { // 50 s left then: a one-minute task no longer fits
            ending.heartbeat();
            staying.heartbeat();
            cluster.tick(1000);
        }
        client.submit(task(4).setWanted(true), task(5).setWanted(true), task(6).setWanted(true));
        assertThat(ending.queuedKeys()).isEmpty();
        assertThat(staying.queuedKeys()).containsExactly(4L, 5L, 6L);
        for (long key = 4; key <= 6; key++) {
            staying.run(key, 8, 60_000_000);
        }
        assertThat(client.doneKeys()).contains(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aTaskNoWorkerCanFinishBeforeItsWalltimeWaitsForAWorkerThatCan() {
        TestingWorker ending = cluster.worker("ending").retireIn(30_000).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        ending.run(1, 8, 60_000_000);

        client.submit(task(2).setWanted(true));
        assertThat(ending.queuedKeys()).isEmpty();
        assertThat(cluster.core.hasWork()).isTrue();

        TestingWorker replacement =
                cluster.worker("replacement").retireIn(3_600_000).start();
        assertThat(replacement.queuedKeys()).containsExactly(2L);
        replacement.run(2);
        assertThat(client.doneKeys()).contains(1L, 2L);
    }

    // ------------------------------------------------------------------ cancel and release

    /** Regression (the record count): cancel forgot only the cancelled key, never its dependents. */
    @Test
    void cancelRemovesATaskAndItsDependents() {
        TestingWorker a = cluster.worker("a").threads(2).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1), task(2, 1).setWanted(true), task(3, 2).setWanted(true), task(4).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(1L, 4L);

        client.cancel(1);
        assertThat(client.cancelled).containsExactlyInAnyOrder(2L, 3L);
        assertThat(a.stealOrders).containsExactly(1L);
        // Only the unrelated task is left.
        assertThat(cluster.core.taskCount()).isEqualTo(1);
        a.giveBackStolen();
        cluster.runUntilQuiet();
        assertThat(client.doneKeys()).containsExactly(4L);
        client.release(4);
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(a.store).isEmpty();
    }

    @Test
    void lateResultOfACancelledTaskIsReleasedOnTheWorker() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.started.add(1L);
        client.cancel(1);
        assertThat(client.cancelled).containsExactly(1L);
        a.run(1);
        assertThat(a.releaseOrders).containsExactly(1L);
        assertThat(a.store).isEmpty();
        assertThat(client.doneKeys()).isEmpty();
        assertThat(cluster.core.taskCount()).isZero();
    }

    @Test
    void releasingAPendingKeyAbandonsWorkNobodyNeeds() {
        TestingWorker a = cluster.worker("a").threads(4).start();
        TestingClient client = cluster.client("c");
        client.submit(
                task(1), task(2), task(3, 1, 2).setWanted(true), task(4, 2).setWanted(true));
        client.release(3);
        assertThat(a.stealOrders).containsExactly(1L);
        assertThat(cluster.core.taskCount()).isEqualTo(2);
        a.giveBackStolen();
        cluster.runUntilQuiet();
        assertThat(client.doneKeys()).containsExactly(4L);
    }

    @Test
    void clientDisconnectReleasesEverythingItWanted() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true), task(2, 1).setWanted(true));
        a.run(1);
        client.disconnect();
        assertThat(a.stealOrders).containsExactly(2L);
        assertThat(a.releaseOrders).containsExactly(1L);
        assertThat(cluster.core.taskCount()).isZero();
        assertThat(cluster.core.noClientSinceMillis()).isPositive();
    }

    // ------------------------------------------------------------------ retirement

    @Test
    void retireMovesNeededDataThenClosesTheWorker() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true), task(2), task(3).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        assertThat(a.queuedKeys()).containsExactly(2L, 3L);
        client.submit(task(4, 2, 3).setWanted(true));

        assertThat(cluster.retire("a")).containsExactly("a");
        assertThat(a.stealOrders).containsExactly(2L, 3L);
        assertThat(b.replicateOrders)
                .containsExactly(
                        Replicate.newBuilder().setKey(1).setAddress("a:7000").build());
        assertThat(a.closeOrdered).isFalse();

        a.giveBackStolen();
        assertThat(b.queuedKeys()).containsExactly(2L, 3L);
        assertThat(a.closeOrdered).isFalse();
        b.replicate();
        assertThat(a.closeOrdered).isTrue();
        assertThat(a.alive).isFalse();
        assertThat(cluster.core.workerCount()).isEqualTo(1);

        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(1L, v(1)).containsEntry(4L, v(4, v(2), v(3)));
        assertThat(b.computedKeys()).doesNotContain(1L);
        assertThat(b.store).containsOnlyKeys(1L, 3L, 4L);
    }

    @Test
    void aCopyThatFailedSilentlyIsAskedForAgainAndTheRetirementEnds() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        cluster.retire("a");
        assertThat(b.dropReplications()).isEqualTo(1);

        long waited = 0;
        while (b.replicateOrders.size() < 2 && waited < 2 * SchedulerCore.REPLICA_RETRY_MILLIS) {
            a.heartbeat();
            b.heartbeat();
            cluster.tick(1_000);
            waited += 1_000;
        }
        assertThat(waited).isGreaterThanOrEqualTo(SchedulerCore.REPLICA_RETRY_MILLIS);
        assertThat(b.replicateOrders)
                .as("asked again once the copy is overdue")
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.getKey()).isEqualTo(1L));
        b.replicate();
        assertThat(a.closeOrdered).isTrue();
        assertThat(b.store).containsKey(1L);
        assertThat(client.values).containsEntry(1L, v(1));
    }

    @Test
    void aRetirementWhoseCopiesNeverArriveEndsByItsDeadline() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false; // a result the client fetches from its worker
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        cluster.retire("a");
        long waited = 0;
        while (a.alive && waited <= SchedulerCore.RETIRE_DEADLINE_MILLIS + 2_000) {
            b.dropReplications();
            a.heartbeat();
            b.heartbeat();
            cluster.tick(1_000);
            waited += 1_000;
        }
        assertThat(a.alive).as("closed by the deadline").isFalse();
        assertThat(waited)
                .isBetween(SchedulerCore.RETIRE_DEADLINE_MILLIS, SchedulerCore.RETIRE_DEADLINE_MILLIS + 2_000);
        // What did not move is recomputed where it is still needed.
        cluster.runUntilQuiet();
        assertThat(b.computedKeys()).contains(1L);
        assertThat(b.store).containsEntry(1L, v(1));
    }

    /**
     * Regression: adaptive scaling retired every idle worker while a client still held futures of
     * results it had not fetched; they were computed again when asked for.
     */
    @Test
    void scalingDownKeepsTheLastHolderOfResultsAClientHasNotReceived() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false;
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");

        assertThat(cluster.retireKeepingData("a", "b")).containsExactly("b");
        assertThat(a.closeOrdered).isFalse();
        assertThat(b.closeOrdered).isTrue();
        assertThat(cluster.core.workerCount()).isEqualTo(1);
        cluster.runUntilQuiet();
        assertThat(a.computeOrders).hasSize(1);
    }

    @Test
    void scalingDownToZeroIsFreeWhenTheClientHasEveryResult() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        assertThat(client.values).containsEntry(1L, v(1));

        assertThat(cluster.retireKeepingData("a")).containsExactly("a");
        assertThat(a.closeOrdered).isTrue();
    }

    @Test
    void anExplicitRetirementOfEveryWorkerIsHonouredEvenIfResultsAreLost() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false;
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);

        assertThat(cluster.retire("a")).containsExactly("a");
        assertThat(a.closeOrdered).isTrue();
    }

    @Test
    void retireWithoutDataClosesAtOnceAndCountChoosesIdleWorkers() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.startWorker("b");
        TestingClient client = cluster.client("c");
        a.paused(true);
        client.submit(task(1).setWanted(true));
        assertThat(b.queuedKeys()).containsExactly(1L);
        assertThat(cluster.retireCount(1)).containsExactly("a");
        assertThat(a.closeOrdered).isTrue();
        b.run(1);
        assertThat(client.values).containsEntry(1L, v(1));
    }

    /**
     * Regression: after a replica's first holder left, the record kept an empty (not null)
     * list of extra holders, which retirement read as "another copy exists": retiring the last
     * holder then lost the result.
     */
    @Test
    void retiringTheLastHolderAfterAnEarlierRetirementStillMovesTheData() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        cluster.retire("a");
        b.replicate();
        assertThat(a.alive).isFalse();

        TestingWorker c = cluster.startWorker("c");
        cluster.retire("b");
        assertThat(b.closeOrdered).isFalse();
        assertThat(c.replicateOrders)
                .containsExactly(
                        Replicate.newBuilder().setKey(1).setAddress("b:7000").build());
        c.replicate();
        assertThat(b.closeOrdered).isTrue();
        assertThat(c.computeOrders).isEmpty();
        assertThat(c.store).containsOnlyKeys(1L);
    }

    /**
     * Regression: two retiring workers holding the same key both ask the remaining worker to copy
     * it; the second "acquired" for a key the worker already held made the core order it released
     * there, although the core still counted that worker as a holder: the result was gone.
     */
    @Test
    void twoRetiringHoldersOfTheSameKeyLeaveOneGoodCopy() {
        TestingWorker a = cluster.worker("a").resource("A", 1).start();
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.worker("b").resource("X", 1).start();
        client.submit(task(2, 1).addResources(res("X", 1)).setWanted(true));
        b.run(2); // b fetched a copy of 1
        client.submit(task(3).addResources(res("A", 1)).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(3L);
        a.started.add(3L); // a cannot give it back
        TestingWorker c = cluster.startWorker("c");

        cluster.retire("a"); // b still has 1: nothing to copy, but a must finish 3 first
        cluster.retire("b"); // a is leaving too: b asks c for copies of 1 and 2
        a.run(3); // a may close once c has 1 and 3: it asks c for them
        c.replicate();
        assertThat(a.alive).isFalse();
        assertThat(b.alive).isFalse();
        assertThat(c.releaseOrders).isEmpty();
        assertThat(c.store).containsOnlyKeys(1L, 2L, 3L);
        assertThat(c.computeOrders).isEmpty();
        assertThat(client.values)
                .containsEntry(1L, v(1))
                .containsEntry(2L, v(2, v(1)))
                .containsEntry(3L, v(3));
    }

    /** Regression: a retiring worker asked each key's copy once; if that peer died, it never closed. */
    @Test
    void retirementAsksAnotherPeerWhenTheCopyingPeerDies() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        cluster.retire("a");
        assertThat(b.replicateOrders).hasSize(1);
        TestingWorker c = cluster.startWorker("c");
        b.kill();
        a.heartbeat();
        assertThat(c.replicateOrders)
                .containsExactly(
                        Replicate.newBuilder().setKey(1).setAddress("a:7000").build());
        c.replicate();
        assertThat(a.alive).isFalse();
        assertThat(c.store).containsOnlyKeys(1L);
        assertThat(c.computeOrders).isEmpty();
    }

    /**
     * A copy for a retirement that cannot be made (the retiring worker lost it) is reported as a
     * MissingDep without a task: the result is recomputed and the retirement completes. The real
     * worker drops such failures today, which leaves the retiring worker open forever.
     */
    @Test
    void retirementCompletesWhenACopyCannotBeMade() {
        TestingWorker a = cluster.startWorker("a");
        a.inlineResults = false; // a result the client fetches from its worker
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1);
        TestingWorker b = cluster.startWorker("b");
        a.loseData(1);
        cluster.retire("a");
        b.replicate();
        assertThat(b.queuedKeys()).containsExactly(1L);
        a.heartbeat();
        assertThat(a.alive).isFalse();
        b.run(1);
        assertThat(client.doneKeys()).containsExactly(1L, 1L);
        assertThat(client.values).containsEntry(1L, v(1));
    }

    // ------------------------------------------------------------------ registration

    @Test
    void duplicateWorkerNamesAndOtherEngineVersionsAreRejected() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker again = cluster.worker("a").address("elsewhere:7000").start();
        assertThat(again.state).isNull();
        assertThat(again.rejection).contains("already connected");
        TestingWorker old = cluster.worker("old").version("0.0.1-ancient").start();
        assertThat(old.state).isNull();
        assertThat(old.rejection).contains("0.0.1-ancient");
        assertThat(cluster.core.workerCount()).isEqualTo(1);
        assertThat(a.received.get(0).getRegistered().getWorkerId()).isPositive();
        assertThat(a.received.get(0).getRegistered().getHeartbeatMillis()).isEqualTo(TestingCluster.HEARTBEAT_MILLIS);
    }

    @Test
    void functionsAndClasspathsGoToEachWorkerOnceAndBlobsAreAskedOfTheirOwner() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        ClasspathDef cp = ClasspathDef.newBuilder()
                .setId(77)
                .addEntries(ClasspathEntry.newBuilder().setName("app.jar").setSha256("abc"))
                .build();
        FunctionDef fn =
                TestingCluster.FN.toBuilder().setId(0xf00).setClasspath(77).build();
        client.send(ClientBatch.newBuilder()
                .addClasspaths(cp)
                .addFunctions(fn)
                .addTasks(task(1).setFunction(0xf00).setWanted(true))
                .addTasks(task(2).setFunction(0xf00).setWanted(true))
                .build());
        a.run(1);
        a.run(2);
        client.send(ClientBatch.newBuilder()
                .addTasks(task(3).setFunction(0xf00).setWanted(true))
                .build());
        assertThat(a.received.stream().mapToInt(o -> o.getFunctionsCount()).sum())
                .isEqualTo(1);
        assertThat(a.received.stream()
                        .flatMap(o -> o.getClasspathsList().stream())
                        .toList())
                .containsExactly(cp);
        assertThat(a.computeOrders).hasSize(3);

        assertThat(cluster.core.requestBlob("abc")).isTrue();
        assertThat(cluster.core.requestBlob("unknown")).isFalse();
        cluster.flush();
        assertThat(client.received.get(client.received.size() - 1).getNeedBlobsList())
                .containsExactly("abc");
    }

    @Test
    void aClasspathEntryStaysObtainableUntilTheLastClientThatHasItLeaves() {
        cluster.startWorker("a");
        TestingClient first = cluster.client("first");
        TestingClient second = cluster.client("second");
        ClasspathDef cp = ClasspathDef.newBuilder()
                .setId(77)
                .addEntries(ClasspathEntry.newBuilder().setName("app.jar").setSha256("abc"))
                .build();
        first.send(ClientBatch.newBuilder().addClasspaths(cp).build());
        second.send(ClientBatch.newBuilder().addClasspaths(cp).build());

        second.disconnect();
        assertThat(cluster.core.requestBlob("abc"))
                .as("the first client still has the entry")
                .isTrue();
        cluster.flush();
        assertThat(first.received.get(first.received.size() - 1).getNeedBlobsList())
                .containsExactly("abc");

        first.disconnect();
        assertThat(cluster.core.requestBlob("abc")).isFalse();
    }

    @Test
    void aRepeatedClasspathRequestGoesToAnotherOwner() {
        cluster.startWorker("a");
        TestingClient first = cluster.client("first");
        TestingClient second = cluster.client("second");
        ClasspathDef cp = ClasspathDef.newBuilder()
                .setId(77)
                .addEntries(ClasspathEntry.newBuilder().setName("app.jar").setSha256("abc"))
                .build();
        first.send(ClientBatch.newBuilder().addClasspaths(cp).build());
        second.send(ClientBatch.newBuilder().addClasspaths(cp).build());

        assertThat(cluster.core.requestBlob("abc")).isTrue();
        cluster.flush();
        assertThat(cluster.core.requestBlob("abc")).isTrue();
        cluster.flush();
        assertThat(first.received.stream().mapToInt(u -> u.getNeedBlobsCount()).sum())
                .isEqualTo(1);
        assertThat(second.received.stream().mapToInt(u -> u.getNeedBlobsCount()).sum())
                .isEqualTo(1);
    }

    @Test
    void infoCountsTasksAndWorkers() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true), task(2, 1).setWanted(true), task(3).setWanted(true));
        a.run(1);
        ClusterInfo info = cluster.core.info(42, 0);
        assertThat(info.getTasks().getMemory()).isEqualTo(1);
        assertThat(info.getTasks().getProcessing()).isEqualTo(2);
        assertThat(info.getTasks().getCompletedTotal()).isEqualTo(1);
        assertThat(info.getTasks().getSubmittedTotal()).isEqualTo(3);
        assertThat(info.getWorkersList())
                .singleElement()
                .satisfies(w -> assertThat(w.getProcessing()).isEqualTo(2))
                .satisfies(w -> assertThat(w.getHeld()).isEqualTo(1));
        assertThat(info.getClients()).isEqualTo(1);
        assertThat(cluster.core.meanSecondsByKind()).containsEntry("Testing.f", 0.001);
    }

    @Test
    void clientsAreWelcomedAndToldTheWorkerCount() {
        TestingClient client = cluster.client("c");
        assertThat(client.received.get(0).getWelcome().getClientId()).isPositive();
        assertThat(client.received.get(0).getWorkers()).isEqualTo(1); // +1 offset: zero workers
        cluster.startWorker("a");
        assertThat(client.received.get(client.received.size() - 1).getWorkers()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ placement

    @Test
    void saturationSendsABoundedNumberOfRootTasksToEachWorker() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.startWorker("b");
        TestingClient client = cluster.client("c");
        List<TaskSpec> specs = new ArrayList<>();
        for (long k = 1; k <= 1000; k++) {
            specs.add(task(k).setWanted(true).build());
        }
        client.submit(specs);
        assertThat(a.computeOrders).hasSizeBetween(1, 10);
        assertThat(b.computeOrders).hasSizeBetween(1, 10);
        assertThat(cluster.core.count(TaskRecord.READY)).isGreaterThanOrEqualTo(980);

        cluster.runUntilQuiet();
        assertThat(client.done).hasSize(1000);
        assertThat(client.doneKeys()).doesNotHaveDuplicates();
        assertThat(a.computeOrders.size() + b.computeOrders.size()).isEqualTo(1000);
    }

    @Test
    void higherPriorityRunsFirst() {
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true), task(2).setWanted(true).setPriority(5), task(3).setWanted(true));
        TestingWorker a = cluster.startWorker("a");
        assertThat(a.queuedKeys()).containsExactly(2L, 1L);
    }

    @Test
    void dependentGoesToTheWorkerHoldingMostOfItsInputBytes() {
        TestingWorker a = cluster.startWorker("a");
        TestingWorker b = cluster.startWorker("b");
        TestingClient client = cluster.client("c");
        b.paused(true);
        client.submit(task(1).setWanted(true));
        a.paused(true);
        b.paused(false);
        client.submit(task(2).setWanted(true));
        a.paused(false);
        assertThat(a.queuedKeys()).containsExactly(1L);
        assertThat(b.queuedKeys()).containsExactly(2L);
        a.run(1, 1_000_000);
        b.run(2, 10);

        client.submit(
                task(3, 1).setWanted(true),
                task(4, 1, 2).setWanted(true),
                task(5, 2).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(3L, 4L);
        assertThat(b.queuedKeys()).containsExactly(5L);
        ComputeTask four = a.computeOrders.get(a.computeOrders.size() - 1);
        assertThat(four.getLocationsList())
                .containsExactly(
                        DepLocation.newBuilder().setKey(2).setAddress("b:7000").build());
        cluster.runUntilQuiet();
        assertThat(client.values).containsEntry(4L, v(4, v(1), v(2)));
    }

    /**
     * Regression: each worker's queue was sized by its own task times, seeded by its first task
     * (which loads classes and compiles), so a worker with a slow start kept a queue of two while
     * an equal peer took nearly all ready work.
     */
    @Test
    void aWorkerWithASlowFirstTaskGetsAnEqualShareOfReadyWork() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1, 8, 2_000_000);
        a.paused(true);
        TestingWorker b = cluster.startWorker("b");
        for (long k = 10; k < 50; k++) {
            client.submit(task(k).setWanted(true));
            b.run(k, 8, 1000);
        }
        a.paused(false);
        List<TaskSpec> roots = new ArrayList<>();
        for (long r = 100; r < 140; r++) {
            roots.add(task(r).setWanted(true).build());
        }
        client.submit(roots);
        assertThat(a.queuedKeys()).isNotEmpty().hasSameSizeAs(b.queuedKeys());
    }

    /**
     * A task whose small input sits behind long tasks on its holder starts sooner on an idle
     * worker: placement weighs the queue ahead against the fetch (before, the holder kept every
     * such task until it had twice its queue).
     */
    @Test
    void aTaskWithASmallInputAvoidsAHolderBusyWithLongTasks() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1, 8, 10_000_000);
        client.submit(task(2).setWanted(true), task(3).setWanted(true));
        assertThat(a.queuedKeys()).containsExactly(2L, 3L);
        TestingWorker b = cluster.startWorker("b");
        client.submit(task(4, 1).setWanted(true));
        assertThat(b.queuedKeys()).containsExactly(4L);
    }

    /** A large input keeps its reader on the holder when the queue there is shorter than the fetch. */
    @Test
    void aTaskWithALargeInputWaitsBrieflyOnItsHolder() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1, 1_000_000_000L, 10_000);
        List<TaskSpec> roots = new ArrayList<>();
        for (long r = 2; r < 8; r++) {
            roots.add(task(r).setWanted(true).build());
        }
        client.submit(roots);
        TestingWorker b = cluster.startWorker("b");
        b.runAll();
        client.submit(task(9, 1).setWanted(true));
        assertThat(a.queuedKeys()).contains(9L);
        assertThat(b.queuedKeys()).doesNotContain(9L);
    }

    /**
     * Regression: stolen tasks went back through the ready queue, whose first taker is the worker
     * that got the last run of roots — usually the one they were just stolen from.
     */
    @Test
    void workStealingMovesQueuedTasksToAnIdleWorker() {
        TestingWorker a = cluster.startWorker("a");
        TestingClient client = cluster.client("c");
        client.submit(task(1).setWanted(true));
        a.run(1, 8, 100);
        // a's measured task time is tiny, so it takes many tasks at once.
        List<TaskSpec> specs = new ArrayList<>();
        for (long k = 100; k < 150; k++) {
            specs.add(task(k).setWanted(true).build());
        }
        client.submit(specs);
        assertThat(a.queuedKeys()).hasSize(50);
        TestingWorker b = cluster.startWorker("b");
        cluster.tick(100);
        assertThat(a.stealOrders).hasSize(24);
        a.giveBackStolen();
        // b joins a cluster whose tasks are known to be tiny, so it has room for all that was
        // stolen at once (a queue sized by its own, still unmeasured, tasks would take two).
        assertThat(b.queuedKeys()).hasSize(24);
        assertThat(a.queuedKeys()).hasSize(26);
        cluster.runUntilQuiet();
        assertThat(client.done).hasSize(51);
        assertThat(client.doneKeys()).doesNotHaveDuplicates();
    }

    private static Resource res(String name, double amount) {
        return Resource.newBuilder().setName(name).setAmount(amount).build();
    }
}
