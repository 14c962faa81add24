package dev.jcloud.engine.worker;

import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values clients scatter to this worker, sent here because the scheduler named this worker for
 * them. Each is stored like a result and reported as the result of its task, which is how the
 * scheduler learns that it is here; one that cannot be stored (a full spill disk) is reported as
 * that task's failure, with the cause.
 */
final class ReceivedValues {

    private static final Logger LOG = LoggerFactory.getLogger(ReceivedValues.class);

    /** The largest array a Java value can end in, and so the largest body a value may announce. */
    static final long MAX_BODY_BYTES = Integer.MAX_VALUE - 16;

    private final DataStore store;
    private final AtomicLong bytesIn;
    private final Consumer<Object> report;
    private final AtomicLong received = new AtomicLong();

    ReceivedValues(DataStore store, AtomicLong bytesIn, Consumer<Object> report) {
        this.store = store;
        this.bytesIn = bytesIn;
        this.report = report;
    }

    /** Values received so far. */
    long received() {
        return received.get();
    }

    void received(long key, EncodedValue value) {
        long startMicros = WorkerActivity.nowMicros();
        received.incrementAndGet();
        bytesIn.addAndGet(value.size());
        try {
            store.put(key, value);
        } catch (Throwable e) {
            store.remove(key); // reported as failed: a copy the scheduler does not count must not stay
            LOG.warn("cannot store the scattered value {}: {}", Long.toHexString(key), e.toString());
            report.accept(TaskFailure.newBuilder()
                    .setKey(key)
                    .setExceptionClass(e.getClass().getName())
                    .setMessage("cannot store the scattered value on this worker: " + e.getMessage())
                    .build());
            return;
        }
        report.accept(TaskResult.newBuilder()
                .setKey(key)
                .setNbytes(value.size())
                .setStartMicros(startMicros)
                .setThread(-1)
                .build());
    }
}
