package dev.jcloud.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.TaskCounts;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dashboard event streams under a browser that stops reading: the endpoint keeps serving the
 * others, the scheduler's publishing never waits, the stuck stream is dropped after the write
 * timeout (its connection closed, its thread ended), and the number of streams is capped.
 */
class DashboardStreamsTest {

    /** Distinct kind names this long make each task-stream record about 1 KB: a full event is ~4 MiB. */
    private static final String KIND = "dev.example.Job." + "k".repeat(1000);

    @Test
    void aStreamThatStopsReadingIsDroppedWithoutStallingTheOthers() throws Exception {
        MetricsEndpoint endpoint = MetricsEndpoint.start(
                "127.0.0.1", 0, new PublishedGauges(), new MetricsEndpoint.Settings(100, 1500, 3), null, null);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong published = new AtomicLong();
        // Stands in for the scheduler loop: a new snapshot with 200 new records every 50 ms.
        Thread loop = new Thread(
                () -> {
                    TaskStream stream = new TaskStream(4096, Integer.MAX_VALUE);
                    for (int i = 0; i < 10_000 && !stop.get(); i++) {
                        for (int j = 0; j < 200; j++) {
                            // A kind name of its own per record: nothing in an event can be shared.
                            stream.record(
                                    "w" + (j % 4), j % 2, KIND + i + "-" + j, System.currentTimeMillis() * 1000, 1000);
                        }
                        stream.tick();
                        long now = System.currentTimeMillis();
                        ClusterInfo info = ClusterInfo.newBuilder()
                                .setTasks(TaskCounts.newBuilder().setCompletedTotal(i * 200L))
                                .build();
                        endpoint.publish(
                                info, Map.of(), new DashboardSnapshot(now, info, 0, List.of(), stream.slice()), now, 0);
                        published.incrementAndGet();
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "test-scheduler-loop");
        loop.start();
        AtomicLong fastEvents = new AtomicLong();
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + endpoint.port();
        try (Socket slow = new Socket()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> published.get() > 2);
            // A browser that reads nothing: a tiny receive window, and no read at all.
            slow.setReceiveBufferSize(2048);
            slow.connect(new InetSocketAddress("127.0.0.1", endpoint.port()));
            OutputStream request = slow.getOutputStream();
            request.write("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            request.flush();

            HttpResponse<Stream<String>> fast = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/stream")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            Thread reader = new Thread(
                    () -> {
                        try {
                            fast.body().forEach(l -> {
                                if (l.startsWith("data: ")) {
                                    fastEvents.incrementAndGet();
                                }
                            });
                        } catch (RuntimeException closedAtTheEnd) {
                            // The test closes the stream when done.
                        }
                    },
                    "test-fast-browser");
            reader.setDaemon(true);
            reader.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.droppedStreams() == 1);
            // The drop is counted before the dropped stream leaves the client count: wait for both.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(endpoint.streamClients())
                            .as("the reading stream stays open")
                            .isEqualTo(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.liveStreamThreads() == 1);

            // The reading stream and the publisher kept going, and go on.
            long events = fastEvents.get();
            long snapshots = published.get();
            assertThat(events).isPositive();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> fastEvents.get() >= events + 3 && published.get() >= snapshots + 10);

            // The dropped stream's connection is closed: reading it to the end finishes.
            slow.setSoTimeout(20_000);
            InputStream in = slow.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0 && total < (1L << 30); ) {
                total += n;
            }
            assertThat(total).isPositive().isLessThan(1L << 30);

            // At most 3 streams: the fast one and two more; a fourth is refused.
            List<HttpResponse<InputStream>> more = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                more.add(http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/stream")).build(),
                        HttpResponse.BodyHandlers.ofInputStream()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.streamClients() == 3);
            HttpResponse<String> refused = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/stream")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("at most 3 dashboards");
            for (HttpResponse<InputStream> r : more) {
                r.body().close();
            }
            fast.body().close();
        } finally {
            stop.set(true);
            loop.interrupt();
            loop.join(10_000);
            endpoint.stop();
        }
        assertThat(endpoint.liveStreamThreads()).isZero();
    }

    @Test
    void eachEventCarriesOnlyWhatTheStreamHasNotSeen() {
        TaskStream stream = new TaskStream(16, 100);
        for (int i = 0; i < 10; i++) {
            stream.record("w0", 0, "k", i, 1);
        }
        DashboardSnapshot first =
                new DashboardSnapshot(1, ClusterInfo.getDefaultInstance(), 0, List.of(), stream.slice());
        for (int i = 0; i < 5; i++) {
            stream.record("w0", 0, "k", 100 + i, 1);
        }
        DashboardSnapshot second =
                new DashboardSnapshot(2, ClusterInfo.getDefaultInstance(), 0, List.of(), stream.slice());
        String all = new String(second.event(0, 0), StandardCharsets.UTF_8);
        String delta = new String(second.event(first.stream().endSeq(), 0), StandardCharsets.UTF_8);
        // Worker and kind are indexes into "names"; start is relative to "base".
        assertThat(all)
                .startsWith("data: {")
                .endsWith("}\n\n")
                .contains("\"base\":0,\"names\":[\"w0\",\"k\"]")
                .contains("[0,0,0,1,0,1,0,0]")
                .contains("[14,0,0,1,104,1,0,0]");
        assertThat(delta)
                .contains("\"base\":100,\"names\":[\"w0\",\"k\"]")
                .doesNotContain("[9,")
                .contains("[10,0,0,1,0,1,0,0]")
                .contains("[14,0,0,1,4,1,0,0]");
        // Built once per resume point and snapshot.
        assertThat(second.event(0, 0)).isSameAs(second.event(0, 0));
    }
}
