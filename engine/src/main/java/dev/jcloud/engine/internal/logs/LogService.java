package dev.jcloud.engine.internal.logs;

import dev.jcloud.engine.proto.LogsGrpc;
import dev.jcloud.engine.proto.LogsReply;
import dev.jcloud.engine.proto.LogsRequest;
import io.grpc.stub.StreamObserver;

/**
 * The {@code Logs} gRPC service of the scheduler and of every worker: this process's
 * {@link RecentLogs}. It answers only on the engine port, so with TLS on only holders of the
 * cluster's certificates read the logs.
 */
public final class LogService extends LogsGrpc.LogsImplBase {

    private final RecentLogs logs;

    public LogService() {
        this(RecentLogs.global());
    }

    LogService(RecentLogs logs) {
        this.logs = logs;
    }

    @Override
    public void recent(LogsRequest request, StreamObserver<LogsReply> responses) {
        responses.onNext(LogsReply.newBuilder()
                .addAllLines(logs.lines(request.getMaxLines()))
                .setDropped(logs.dropped())
                .build());
        responses.onCompleted();
    }
}
