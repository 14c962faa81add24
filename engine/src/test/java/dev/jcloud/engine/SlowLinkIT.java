package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A large result gathered over a slow link arrives whole, however long the transfer takes, as
 * long as data keeps flowing; and the worker's copy is not dropped and recomputed meanwhile. The
 * link fronts both the worker's data service and its bulk data listener, and the result comes
 * over the bulk connection.
 */
class SlowLinkIT {

    private static final int SIZE = 6 << 20;
    /** 6 MiB at 160 KiB/s: about 38 s, longer than any fixed deadline short enough to be useful. */
    private static final long RATE = 160 << 10;

    static byte[] block() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    @Test
    void aLargeResultIsGatheredThroughAThrottledLinkWithoutBeingRecomputed() throws Exception {
        int port;
        int bulkPort;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
                ServerSocket free2 = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort();
            bulkPort = free2.getLocalPort();
        }
        // The worker listens on 127.0.0.1 and advertises 127.0.0.2, where the proxies listen on the
        // same ports: the client reaches the worker's data only through the slow link.
        SchedulerServer scheduler = SchedulerServer.start(SchedulerOptions.loopback());
        WorkerProcesses processes = new WorkerProcesses();
        ThrottlingProxy proxy = new ThrottlingProxy(
                new InetSocketAddress("127.0.0.2", port), new InetSocketAddress("127.0.0.1", port), RATE);
        ThrottlingProxy bulkProxy = new ThrottlingProxy(
                new InetSocketAddress("127.0.0.2", bulkPort), new InetSocketAddress("127.0.0.1", bulkPort), RATE);
        try {
            processes.worker(
                    scheduler.address(),
                    "w1",
                    1,
                    "--port",
                    Integer.toString(port),
                    "--bulk-port",
                    Integer.toString(bulkPort),
                    "--advertise-host",
                    "127.0.0.2");
            try (Client client = Client.connect(scheduler.address())) {
                try {
                    client.waitForWorkers(1, Duration.ofSeconds(60));
                } catch (RuntimeException e) {
                    throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
                }
                long t0 = System.nanoTime();
                TaskFuture<byte[]> f = client.submit(SlowLinkIT::block);
                byte[] value = f.get(180, TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertThat(value).isEqualTo(block());
                assertThat(seconds).as("the transfer was throttled").isGreaterThan(30);
                assertThat(client.summary().tasksCompletedTotal())
                        .as("the result was computed once, not recomputed after a cut-off fetch")
                        .isEqualTo(1);
                assertThat(bulkProxy.bytesDown())
                        .as("the result came over the bulk connection")
                        .isGreaterThanOrEqualTo(SIZE);
                assertThat(proxy.bytesDown()).as("not over gRPC").isLessThan(SIZE);
            }
        } finally {
            bulkProxy.close();
            proxy.close();
            processes.close();
            scheduler.close();
        }
    }
}
