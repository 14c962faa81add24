package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.internal.task.TaskKeys;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientHello;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.MissingDep;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerHello;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: random and mutated ClientBatch/WorkerBatch messages either
 * fail to parse or, sent to a real scheduler over gRPC, leave it working: afterwards a
 * well-behaved client still gets correct results.
 */
class ProtocolFuzzTest {

    private static final int STREAMS = 12;
    private static final int BATCHES_PER_STREAM = 120;

    @Test
    void mutatedClientAndWorkerBatchesDoNotHurtTheScheduler() throws Exception {
        Random random = new Random(61L);
        try (InProcessCluster cluster = InProcessCluster.start(1, 2)) {
            ManagedChannel channel = Transports.channel(cluster.address(), TransportSecurity.plaintext(), null);
            try {
                int parsed = 0;
                for (int s = 0; s < STREAMS; s++) {
                    StreamObserver<ClientBatch> client =
                            SchedulerGrpc.newStub(channel).clientSession(ignore());
                    client.onNext(ClientBatch.newBuilder()
                            .setHello(ClientHello.newBuilder()
                                    .setName("fuzz-" + s)
                                    .setEngineVersion(EngineVersion.VERSION))
                            .build());
                    StreamObserver<WorkerBatch> worker =
                            SchedulerGrpc.newStub(channel).workerSession(ignore());
                    worker.onNext(WorkerBatch.newBuilder()
                            .setHello(WorkerHello.newBuilder()
                                    .setName("fuzz-worker-" + s)
                                    .setNthreads(1 + random.nextInt(4))
                                    .setMemoryLimit(1L << 30)
                                    .setDataAddress("127.0.0.1:1")
                                    .setEngineVersion(EngineVersion.VERSION))
                            .build());
                    for (int b = 0; b < BATCHES_PER_STREAM; b++) {
                        try {
                            client.onNext(ClientBatch.parseFrom(
                                    mutate(clientSeed(random).toByteArray(), random)));
                            parsed++;
                        } catch (InvalidProtocolBufferException expected) {
                            // rejected by the parser: never reaches the scheduler
                        }
                        try {
                            worker.onNext(WorkerBatch.parseFrom(
                                    mutate(workerSeed(random).toByteArray(), random)));
                            parsed++;
                        } catch (InvalidProtocolBufferException expected) {
                            // rejected by the parser
                        }
                    }
                    client.onCompleted();
                    worker.onCompleted();
                }
                assertThat(parsed)
                        .as("mutations that still parse reach the scheduler")
                        .isGreaterThan(STREAMS * 10);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            try (Client client = cluster.connect()) {
                assertThat(client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L, 4L))))
                        .containsExactly(1L, 4L, 9L, 16L);
                assertThat(client.submit(() -> "still fine").get(30, TimeUnit.SECONDS))
                        .isEqualTo("still fine");
                assertThat(client.summary().workers()).extracting(w -> w.name()).containsExactly("w0");
            }
        }
    }

    private static ClientBatch clientSeed(Random random) {
        long key = TaskKeys.of(random.nextInt(4), random.nextInt(50));
        long dep = TaskKeys.of(random.nextInt(4), random.nextInt(50));
        return ClientBatch.newBuilder()
                .addFunctions(FunctionDef.newBuilder()
                        .setId(random.nextLong())
                        .setName("f")
                        .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 1, 2}))
                        .setClasspath(random.nextInt(3)))
                .addTasks(TaskSpec.newBuilder()
                        .setKey(key)
                        .setFunction(random.nextLong())
                        .setWanted(random.nextBoolean())
                        .addArgs(Arg.newBuilder().setValue(ValueCodec.encodeToByteString(7L)))
                        .addArgs(Arg.newBuilder().setDep(dep))
                        .addResources(Resource.newBuilder().setName("GPU").setAmount(random.nextDouble() * 3 - 1))
                        .setRetries(random.nextInt(5) - 2)
                        .setPriority(random.nextInt()))
                .addRelease(dep)
                .addCancel(key)
                .addMissing(dep)
                .addClasspaths(ClasspathDef.newBuilder()
                        .setId(random.nextInt(3))
                        .addEntries(ClasspathEntry.newBuilder()
                                .setName("x.jar")
                                .setSha256("00".repeat(32))
                                .setSize(random.nextLong())))
                .setMore(random.nextBoolean())
                .build();
    }

    private static WorkerBatch workerSeed(Random random) {
        long key = TaskKeys.of(random.nextInt(4), random.nextInt(50));
        return WorkerBatch.newBuilder()
                .addFinished(TaskResult.newBuilder()
                        .setKey(key)
                        .setNbytes(random.nextLong())
                        .setInline(random.nextBoolean())
                        .setValue(ValueCodec.encodeToByteString(1L)))
                .addFailed(TaskFailure.newBuilder()
                        .setKey(key + 1)
                        .setExceptionClass("x")
                        .setRetryable(random.nextBoolean()))
                .setHeartbeat(
                        Heartbeat.newBuilder().setHeapUsed(random.nextLong()).setQueued(random.nextInt()))
                .addMissing(MissingDep.newBuilder().setKey(key).setDep(key + 2).setHolder("127.0.0.1:1"))
                .addStolen(key)
                .addAcquired(key + 3)
                .build();
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        if (random.nextInt(10) == 0) {
            b = new byte[random.nextInt(40)];
            random.nextBytes(b);
            return b;
        }
        int edits = random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            b[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (b[at] ^ (1 << random.nextInt(8)));
        }
        if (random.nextInt(5) == 0) {
            b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
        }
        return b;
    }

    private static <T> StreamObserver<T> ignore() {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }
}
