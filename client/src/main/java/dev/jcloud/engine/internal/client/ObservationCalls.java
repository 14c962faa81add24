package dev.jcloud.engine.internal.client;

import com.google.common.util.concurrent.ListenableFuture;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.LogsGrpc;
import dev.jcloud.engine.proto.LogsReply;
import dev.jcloud.engine.proto.LogsRequest;
import dev.jcloud.engine.proto.PerformanceData;
import dev.jcloud.engine.proto.PerformanceRequest;
import dev.jcloud.engine.proto.SchedulerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A client's calls that observe the cluster rather than compute on it: process logs and the task
 * stream for performance reports. They use channels of their own, opened on first use, so that
 * reading a log never queues behind a large result on the session's connection.
 */
public final class ObservationCalls implements AutoCloseable {

    private static final long DEADLINE_SECONDS = 15;

    private final String schedulerAddress;
    private final TransportSecurity security;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ObservationCalls(String schedulerAddress, TransportSecurity security) {
        this.schedulerAddress = schedulerAddress;
        this.security = security;
    }

    /** The scheduler's most recent {@code max} log lines (0 = all it keeps). */
    public List<String> schedulerLogs(int max) {
        try {
            return LogsGrpc.newBlockingStub(channel(schedulerAddress))
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .recent(LogsRequest.newBuilder().setMaxLines(max).build())
                    .getLinesList();
        } catch (io.grpc.StatusRuntimeException e) {
            throw new IllegalStateException(
                    "cannot read the scheduler's log at " + schedulerAddress + ": " + describe(e.getStatus()), e);
        }
    }

    /**
     * The most recent {@code max} log lines of each worker, asked in parallel, by name. A worker
     * that does not answer gets one line starting with {@code "! "} that says why.
     *
     * @param workers name → address of the worker's data endpoint
     */
    public Map<String, List<String>> workerLogs(Map<String, String> workers, int max) {
        Map<String, ListenableFuture<LogsReply>> calls = new LinkedHashMap<>();
        workers.forEach((name, address) -> calls.put(
                name,
                LogsGrpc.newFutureStub(channel(address))
                        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                        .recent(LogsRequest.newBuilder().setMaxLines(max).build())));
        Map<String, List<String>> out = new LinkedHashMap<>();
        calls.forEach((name, call) -> {
            try {
                out.put(name, call.get().getLinesList());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading worker logs", e);
            } catch (ExecutionException e) {
                out.put(
                        name,
                        List.of("! cannot read the log of worker " + name + " at " + workers.get(name) + ": "
                                + describe(Status.fromThrowable(e.getCause()))));
            }
        });
        return out;
    }

    /** Task-stream records numbered {@code sinceSeq} and later, and per-kind totals. */
    public PerformanceData performance(long sinceSeq) {
        return SchedulerGrpc.newBlockingStub(channel(schedulerAddress))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .performance(
                        PerformanceRequest.newBuilder().setSinceSeq(sinceSeq).build());
    }

    private ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        return channels.computeIfAbsent(address, a -> Transports.channel(a, security, null));
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")");
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
