package dev.jcloud.engine.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's one thread. Network threads only enqueue events; this thread runs them in
 * arrival order, then lets the core send everything the round produced in one batch per party.
 * Rounds get larger under load, which is what keeps per-task cost flat as throughput rises.
 */
final class EventLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static final int MAX_ROUND = 4096;

    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final Runnable afterRound;
    private final Runnable onTick;
    private final long tickMillis;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    EventLoop(String name, long tickMillis, Runnable afterRound, Runnable onTick) {
        this.afterRound = afterRound;
        this.onTick = onTick;
        this.tickMillis = tickMillis;
        this.thread = new Thread(this::run, name);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code event} on the loop thread; ignored once stopped. */
    void post(Runnable event) {
        if (running) {
            inbox.add(event);
        }
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Stops after the events already queued. */
    void stop() {
        running = false;
        inbox.add(() -> {});
    }

    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    boolean awaitStopped(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }

    private void run() {
        List<Runnable> round = new ArrayList<>(MAX_ROUND);
        long nextTick = System.nanoTime() + tickMillis * 1_000_000;
        try {
            while (running || !inbox.isEmpty()) {
                long wait = nextTick - System.nanoTime();
                Runnable first = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
                if (first != null) {
                    round.add(first);
                    inbox.drainTo(round, MAX_ROUND - 1);
                    for (Runnable event : round) {
                        runSafely(event);
                    }
                    round.clear();
                }
                if (System.nanoTime() >= nextTick) {
                    runSafely(onTick);
                    nextTick = System.nanoTime() + tickMillis * 1_000_000;
                }
                runSafely(afterRound);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    private static void runSafely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            // One bad message must not take the scheduler down; the bug is logged loudly.
            LOG.error("scheduler event failed", e);
        }
    }
}
