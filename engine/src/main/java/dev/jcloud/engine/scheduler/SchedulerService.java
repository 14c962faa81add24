package dev.jcloud.engine.scheduler;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.proto.BlobAck;
import dev.jcloud.engine.proto.BlobChunk;
import dev.jcloud.engine.proto.BlobRequest;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.InfoRequest;
import dev.jcloud.engine.proto.RetireReply;
import dev.jcloud.engine.proto.RetireRequest;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.ShutdownReply;
import dev.jcloud.engine.proto.ShutdownRequest;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerOrders;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC face of the scheduler: turns stream callbacks into events on the loop. Nothing here
 * touches scheduler state directly; replies are written from the loop thread.
 */
final class SchedulerService extends SchedulerGrpc.SchedulerImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);
    private static final long BLOB_WAIT_SECONDS = 300;
    /** Class path entries are JARs and class directories; bigger uploads would only fill the scheduler's disk. */
    static final long MAX_BLOB_BYTES = 1L << 30;

    private final SchedulerCore core;
    private final EventLoop loop;
    private final BlobStore blobs;
    private final ExecutorService io;
    private final SchedulerServer server;

    SchedulerService(SchedulerCore core, EventLoop loop, BlobStore blobs, ExecutorService io, SchedulerServer server) {
        this.core = core;
        this.loop = loop;
        this.blobs = blobs;
        this.io = io;
        this.server = server;
    }

    @Override
    public StreamObserver<ClientBatch> clientSession(StreamObserver<ClientUpdates> responses) {
        Consumer<ClientUpdates> sink = safeSink(responses);
        server.clientStreamOpened(responses);
        return new StreamObserver<>() {
            private ClientState client; // touched only on the loop thread

            @Override
            public void onNext(ClientBatch batch) {
                loop.post(() -> {
                    if (client == null) {
                        if (!batch.hasHello()) {
                            responses.onError(Status.FAILED_PRECONDITION
                                    .withDescription("hello expected first")
                                    .asRuntimeException());
                            return;
                        }
                        client = core.clientConnected(batch.getHello().getName(), sink);
                    }
                    core.clientBatch(client, batch);
                });
            }

            @Override
            public void onError(Throwable t) {
                loop.post(this::gone);
            }

            @Override
            public void onCompleted() {
                loop.post(() -> {
                    gone();
                    try {
                        responses.onCompleted();
                    } catch (RuntimeException ignored) {
                        // Already cancelled by the peer.
                    }
                });
            }

            private void gone() {
                if (client != null) {
                    core.clientGone(client);
                    server.clientStreamClosed(responses);
                }
            }
        };
    }

    @Override
    public StreamObserver<WorkerBatch> workerSession(StreamObserver<WorkerOrders> responses) {
        Consumer<WorkerOrders> sink = safeSink(responses);
        return new StreamObserver<>() {
            private WorkerState worker; // touched only on the loop thread
            private boolean rejected;

            @Override
            public void onNext(WorkerBatch batch) {
                loop.post(() -> {
                    if (rejected) {
                        return;
                    }
                    if (worker == null) {
                        if (!batch.hasHello()) {
                            reject("hello expected first");
                            return;
                        }
                        worker = core.workerConnected(batch.getHello(), sink, this::reject);
                        if (worker == null) {
                            return;
                        }
                        worker.onDrop(this::drop);
                    }
                    core.workerBatch(worker, batch);
                });
            }

            /** The scheduler gave up on this worker: UNAVAILABLE, on which a worker registers anew. */
            private void drop(String why) {
                rejected = true;
                LOG.warn("dropped worker {}: {}", worker.name(), why);
                try {
                    responses.onError(Status.UNAVAILABLE
                            .withDescription("the scheduler dropped this worker (" + why + "); register again")
                            .asRuntimeException());
                } catch (RuntimeException ignored) {
                    // The worker already hung up.
                }
            }

            private void reject(String why) {
                rejected = true;
                LOG.warn("refused worker: {}", why);
                try {
                    responses.onError(
                            Status.FAILED_PRECONDITION.withDescription(why).asRuntimeException());
                } catch (RuntimeException ignored) {
                    // The worker already hung up.
                }
            }

            @Override
            public void onError(Throwable t) {
                loop.post(
                        () -> gone("connection lost: " + Status.fromThrowable(t).getCode()));
            }

            @Override
            public void onCompleted() {
                loop.post(() -> {
                    gone("closed its session");
                    try {
                        responses.onCompleted();
                    } catch (RuntimeException ignored) {
                        // Already cancelled by the peer.
                    }
                });
            }

            private void gone(String reason) {
                if (worker != null) {
                    core.workerGone(worker, reason);
                }
            }
        };
    }

    @Override
    public StreamObserver<BlobChunk> putBlob(StreamObserver<BlobAck> responses) {
        return new StreamObserver<>() {
            private BlobStore.Upload upload;
            private String sha;
            private boolean failed;
            private long received;

            @Override
            public void onNext(BlobChunk chunk) {
                if (failed) {
                    return;
                }
                try {
                    if (upload == null) {
                        sha = chunk.getSha256();
                        upload = blobs.begin(sha);
                    }
                    received += chunk.getData().size();
                    if (received > MAX_BLOB_BYTES) {
                        throw new IllegalArgumentException("class path entry " + sha + " is larger than "
                                + (MAX_BLOB_BYTES >> 20) + " MiB; refusing it");
                    }
                    upload.write(chunk.getData().toByteArray());
                } catch (IOException | IllegalArgumentException e) {
                    failed = true;
                    if (upload != null) {
                        upload.abort();
                    }
                    responses.onError(Status.INVALID_ARGUMENT
                            .withDescription(e.getMessage())
                            .asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                if (upload != null) {
                    upload.abort();
                }
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                try {
                    long size = upload == null ? 0 : upload.commit();
                    responses.onNext(BlobAck.newBuilder()
                            .setSha256(sha == null ? "" : sha)
                            .setSize(size)
                            .build());
                    responses.onCompleted();
                } catch (IOException e) {
                    responses.onError(
                            Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException());
                }
            }
        };
    }

    @Override
    public void getBlob(BlobRequest request, StreamObserver<BlobChunk> responses) {
        String sha = request.getSha256();
        if (!BlobStore.isSha256(sha)) {
            responses.onError(Status.INVALID_ARGUMENT
                    .withDescription("not a SHA-256: " + sha)
                    .asRuntimeException());
            return;
        }
        if (!blobs.has(sha)) {
            loop.post(() -> {
                if (!core.requestBlob(sha)) {
                    responses.onError(Status.NOT_FOUND
                            .withDescription("no connected client has class path entry " + sha)
                            .asRuntimeException());
                }
            });
        }
        blobs.await(sha, Duration.ofSeconds(BLOB_WAIT_SECONDS))
                .whenCompleteAsync(
                        (path, error) -> {
                            if (error != null) {
                                responses.onError(Status.DEADLINE_EXCEEDED
                                        .withDescription("class path entry " + sha
                                                + " did not arrive from the client within " + BLOB_WAIT_SECONDS + "s")
                                        .asRuntimeException());
                                return;
                            }
                            stream(path, responses);
                        },
                        io);
    }

    private static void stream(Path path, StreamObserver<BlobChunk> responses) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                responses.onNext(BlobChunk.newBuilder()
                        .setData(ByteString.copyFrom(buffer, 0, n))
                        .build());
            }
            responses.onCompleted();
        } catch (IOException | RuntimeException e) {
            try {
                responses.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            } catch (RuntimeException ignored) {
                // The requester went away.
            }
        }
    }

    @Override
    public void info(InfoRequest request, StreamObserver<ClusterInfo> responses) {
        loop.post(() -> {
            responses.onNext(server.info());
            responses.onCompleted();
        });
    }

    @Override
    public void retire(RetireRequest request, StreamObserver<RetireReply> responses) {
        loop.post(() -> {
            responses.onNext(
                    RetireReply.newBuilder().addAllRetired(core.retire(request)).build());
            responses.onCompleted();
        });
    }

    @Override
    public void performance(
            dev.jcloud.engine.proto.PerformanceRequest request,
            StreamObserver<dev.jcloud.engine.proto.PerformanceData> responses) {
        loop.post(() -> {
            responses.onNext(core.performance(request.getSinceSeq()));
            responses.onCompleted();
        });
    }

    @Override
    public void configure(
            dev.jcloud.engine.proto.ConfigureRequest request,
            StreamObserver<dev.jcloud.engine.proto.ConfigureReply> responses) {
        // Not on the loop: an extension may ask the scheduler (through the loop) while it answers.
        io.execute(() -> {
            try {
                String answer = server.configure(request.getKey(), request.getValue());
                responses.onNext(dev.jcloud.engine.proto.ConfigureReply.newBuilder()
                        .setAnswer(answer)
                        .build());
                responses.onCompleted();
            } catch (IllegalArgumentException e) {
                responses.onError(
                        Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            } catch (RuntimeException e) {
                responses.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            }
        });
    }

    @Override
    public void shutdown(ShutdownRequest request, StreamObserver<ShutdownReply> responses) {
        responses.onNext(ShutdownReply.getDefaultInstance());
        responses.onCompleted();
        server.shutdown("shutdown requested: " + request.getReason());
    }

    /** Writes from the loop thread; a peer that vanished is noticed by its stream's own callbacks. */
    private static <T> Consumer<T> safeSink(StreamObserver<T> responses) {
        ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) responses;
        return message -> {
            if (call.isCancelled()) {
                return;
            }
            try {
                call.onNext(message);
            } catch (RuntimeException e) {
                LOG.debug("dropping a message to a closed stream: {}", e.toString());
            }
        };
    }
}
