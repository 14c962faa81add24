package dev.jcloud.engine.scheduler;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * One open dashboard event stream and the thread that writes to it.
 *
 * <p>Why a thread per stream: a browser that stops reading (a laptop lid closed, a congested
 * link) makes writes to its socket block once the kernel buffers are full. Written from a shared
 * thread, that would stall every other dashboard; written from the scheduler loop, the scheduler.
 * Here each stream blocks only itself, and memory stays bounded: a stream holds a reference to the
 * newest snapshot it has not written yet (snapshots are immutable and shared), never a queue of
 * events. A stream that falls behind skips snapshots; nothing is lost, because each event carries
 * every task-stream record and history sample since the last one the stream wrote.
 *
 * <p>A write blocked for longer than the endpoint's write timeout ({@link #stalledFor}) gets the
 * stream closed: interrupting the writer closes the connection's socket channel, which ends the
 * blocked write.
 */
final class SseClient implements Runnable {

    private static final long IDLE = Long.MIN_VALUE;

    private final HttpExchange exchange;
    private final OutputStream out;
    private final Consumer<SseClient> onClose;
    private final IntConsumer onWritten;
    private final Object lock = new Object();
    private final Thread writer;
    private DashboardSnapshot pending; // guarded by lock
    private boolean closed; // guarded by lock
    private volatile long writingSinceNanos = IDLE;
    private volatile String closeReason;
    /** Resume points; touched by the writer thread only. */
    private long streamSince;

    private long historySince;

    SseClient(
            HttpExchange exchange,
            DashboardSnapshot first,
            Consumer<SseClient> onClose,
            IntConsumer onWritten,
            int number) {
        this.exchange = exchange;
        this.out = exchange.getResponseBody();
        this.onClose = onClose;
        this.onWritten = onWritten;
        this.pending = first;
        this.writer = new Thread(this, "jcloud-dashboard-stream-" + number);
        this.writer.setDaemon(true);
    }

    void start() {
        writer.start();
    }

    /** Hands the writer a newer snapshot; replaces one it has not started writing. Never blocks. */
    void offer(DashboardSnapshot snapshot) {
        synchronized (lock) {
            pending = snapshot;
            lock.notifyAll();
        }
    }

    /** How long the current write has been blocked, or 0 when the writer is not writing. */
    long stalledFor(long nowNanos) {
        long since = writingSinceNanos;
        return since == IDLE ? 0 : nowNanos - since;
    }

    /** Ends the stream; a blocked write ends with it. Idempotent, callable from any thread. */
    void close(String reason) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            closeReason = reason;
            lock.notifyAll();
        }
        writer.interrupt();
    }

    String closeReason() {
        return closeReason;
    }

    boolean isAlive() {
        return writer.isAlive();
    }

    @Override
    public void run() {
        try {
            write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            while (true) {
                DashboardSnapshot next;
                synchronized (lock) {
                    while (pending == null && !closed) {
                        lock.wait();
                    }
                    if (closed) {
                        return;
                    }
                    next = pending;
                    pending = null;
                }
                byte[] event = next.event(streamSince, historySince);
                write(event);
                onWritten.accept(event.length);
                streamSince = next.stream().endSeq();
                historySince = next.cluster().history().endSeq();
            }
        } catch (IOException | RuntimeException e) {
            // The browser went away, or the stream was closed under a blocked write.
            if (closeReason == null) {
                closeReason = "closed by the browser";
            }
        } catch (InterruptedException e) {
            // close() while waiting for the next snapshot.
        } finally {
            synchronized (lock) {
                closed = true;
                pending = null;
            }
            try {
                exchange.close();
            } catch (RuntimeException ignored) {
                // The connection is already gone.
            }
            onClose.accept(this);
        }
    }

    private void write(byte[] bytes) throws IOException {
        writingSinceNanos = System.nanoTime();
        try {
            out.write(bytes);
            out.flush();
        } finally {
            writingSinceNanos = IDLE;
        }
    }
}
