package dev.jcloud.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.engine.PrometheusText;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a scheduler extension publishes (the in-cluster controller's cost and adaptive target)
 * reaches {@code /metrics} and the dashboard's cluster panel; bad names are refused with a message.
 */
class PublishedGaugesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void anExtensionsGaugesAppearOnMetricsAndInTheClusterPanel() throws Exception {
        Path dir = Files.createTempDirectory("jcloud-gauges-");
        try (SchedulerServer scheduler =
                SchedulerServer.start(SchedulerOptions.loopback().withClusterSpec(TestingGaugeExtension.SPEC))) {
            WorkerServer worker = WorkerServer.start(WorkerOptions.local(scheduler.address(), "w0", dir)
                    .memoryFractions(0.5, 0.7, 0.9)
                    .build());
            try {
                SchedulerHandle handle = TestingGaugeExtension.HANDLE.get();
                assertThat(handle)
                        .as("the extension was started with the scheduler's handle")
                        .isNotNull();
                handle.publish("cost_dollars_total", "w0", 0.42);
                String base = "http://" + scheduler.dashboardAddress();
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    Map<String, PrometheusText.Family> m = PrometheusText.parse(get(base + "/metrics"));
                    assertThat(m.get("jcloud_adaptive_target_workers").value()).isEqualTo(3.0);
                    assertThat(m.get("jcloud_adaptive_target_workers").type()).isEqualTo("gauge");
                    assertThat(m.get("jcloud_cost_dollars_total").value()).isEqualTo(1.25);
                    assertThat(m.get("jcloud_cost_dollars_total").type()).isEqualTo("counter");
                    assertThat(m.get("jcloud_cost_dollars_per_hour").value()).isEqualTo(0.192);
                    assertThat(m.get("jcloud_worker_cost_dollars_total").value("worker", "w0"))
                            .isEqualTo(0.42);
                    assertThat(m.get("jcloud_worker_memory_threshold_ratio")
                                    .value("worker", "w0", "threshold", "spill"))
                            .isEqualTo(0.5);

                    JsonNode snap = JSON.readTree(get(base + "/api/snapshot"));
                    JsonNode gauges = snap.get("cluster").get("gauges");
                    assertThat(gauges.get("adaptive_target_workers").asDouble()).isEqualTo(3.0);
                    assertThat(gauges.get("cost_dollars_per_hour").asDouble()).isEqualTo(0.192);
                    JsonNode history = snap.get("cluster").get("history");
                    assertThat(history.size()).isPositive();
                    JsonNode lastSample = history.get(history.size() - 1);
                    assertThat(lastSample.get(2).asInt()).as("workers").isEqualTo(1);
                    assertThat(lastSample.get(3).asDouble())
                            .as("adaptive target")
                            .isEqualTo(3.0);
                    assertThat(lastSample.get(5).asDouble()).as("dollars spent").isEqualTo(1.25);
                    JsonNode w0 = snap.get("workers").get(0);
                    assertThat(w0.get("gauges").get("cost_dollars_total").asDouble())
                            .isEqualTo(0.42);
                    assertThat(w0.get("spillFraction").asDouble()).isEqualTo(0.5);
                    assertThat(w0.get("pauseFraction").asDouble()).isEqualTo(0.7);
                    assertThat(w0.get("terminateFraction").asDouble()).isEqualTo(0.9);
                });

                // NaN removes a gauge.
                handle.publish("adaptive_target_workers", Double.NaN);
                await().atMost(Duration.ofSeconds(10))
                        .ignoreExceptions()
                        .untilAsserted(() -> assertThat(PrometheusText.parse(get(base + "/metrics")))
                                .doesNotContainKey("jcloud_adaptive_target_workers"));
            } finally {
                worker.close();
            }
        }
    }

    @Test
    void badNamesAndValuesAreRefusedWithAMessage() {
        PublishedGauges g = new PublishedGauges();
        assertThatThrownBy(() -> g.set("Cost", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Cost'")
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> g.set("cost-per-hour", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> g.set("workers", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("built-in");
        assertThatThrownBy(() -> g.set("worker_cost", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("per worker");
        assertThatThrownBy(() -> g.set("heap_used_bytes", "w0", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("built-in");
        assertThatThrownBy(() -> g.set("cost", Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> g.set("cost", "", 1)).isInstanceOf(IllegalArgumentException.class);
        for (int i = 0; i < PublishedGauges.MAX_GAUGES; i++) {
            g.set("g" + i, i);
        }
        g.set("g0", 7); // replacing one is fine
        assertThatThrownBy(() -> g.set("one_too_many", 1)).isInstanceOf(IllegalStateException.class);
        assertThat(g.cluster()).hasSize(PublishedGauges.MAX_GAUGES).containsEntry("g0", 7.0);
    }

    @Test
    void workerGaugesOfWorkersThatLeftAreForgottenAfterAWhile() {
        PublishedGauges g = new PublishedGauges();
        g.set("cost_dollars_total", "w0", 1);
        g.set("cost_dollars_total", "w1", 2);
        long now = System.currentTimeMillis();
        g.retainWorkers(List.of("w1"), now);
        assertThat(g.workers())
                .as("w0 may still be booting")
                .isEqualTo(Map.of("cost_dollars_total", Map.of("w0", 1.0, "w1", 2.0)));
        g.retainWorkers(List.of("w1"), now + PublishedGauges.KEEP_UNCONNECTED_MILLIS + 1000);
        assertThat(g.workers()).isEqualTo(Map.of("cost_dollars_total", Map.of("w1", 2.0)));
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
