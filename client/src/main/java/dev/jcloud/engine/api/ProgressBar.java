package dev.jcloud.engine.api;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A one-line terminal progress bar over a set of futures. */
final class ProgressBar {

    private static final int WIDTH = 40;

    private ProgressBar() {}

    static void draw(Collection<? extends Future<?>> futures, PrintStream out) {
        long start = System.nanoTime();
        int total = futures.size();
        while (true) {
            int done = 0;
            int failed = 0;
            for (Future<?> f : futures) {
                if (f.isDone()) {
                    done++;
                    if (f instanceof TaskFuture<?> tf && tf.isFailed()) {
                        failed++;
                    }
                }
            }
            out.print("\r" + line(done, failed, total, (System.nanoTime() - start) / 1e9));
            out.flush();
            if (done == total) {
                out.println();
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.println();
                return;
            }
        }
    }

    static CompletableFuture<Progress> watch(
            List<? extends Future<?>> futures, Consumer<Progress> listener, Duration interval) {
        CompletableFuture<Progress> done = new CompletableFuture<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jcloud-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(
                () -> {
                    Progress p = count(futures);
                    try {
                        listener.accept(p);
                    } finally {
                        if (p.complete()) {
                            done.complete(p);
                            timer.shutdown();
                        }
                    }
                },
                0,
                Math.max(1, interval.toMillis()),
                TimeUnit.MILLISECONDS);
        return done;
    }

    static Progress count(Collection<? extends Future<?>> futures) {
        long ok = 0;
        long failed = 0;
        for (Future<?> f : futures) {
            if (f.isDone()) {
                if (f instanceof TaskFuture<?> tf && tf.isFailed()) {
                    failed++;
                } else {
                    ok++;
                }
            }
        }
        return new Progress(ok, failed, futures.size());
    }

    static String line(int done, int failed, int total, double seconds) {
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        return String.format(
                "[%s%s] %3d%% %d/%d tasks%s %.1fs",
                "#".repeat(filled),
                " ".repeat(WIDTH - filled),
                total == 0 ? 100 : (int) ((long) done * 100 / total),
                done,
                total,
                failed > 0 ? " (" + failed + " failed)" : "",
                seconds);
    }
}
