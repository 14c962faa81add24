package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterSummary;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    static Map<String, PrometheusText.Family> scrape(InProcessCluster cluster) throws Exception {
        String url = "http://" + cluster.scheduler().dashboardAddress() + "/metrics";
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(r.body());
    }

    @Test
    void metricsAreValidPrometheusTextAndMatchTheScheduler() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(2, 1);
                Client client = cluster.connect()) {
            client.gather(
                    client.map(i -> i * 2, IntStream.range(0, 1000).boxed().toList()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, PrometheusText.Family> m = scrape(cluster);
                ClusterSummary summary = client.summary();
                // Every family is documented and typed.
                m.values().forEach(f -> {
                    assertThat(f.help()).as(f.name() + " HELP").isNotBlank();
                    assertThat(f.type()).as(f.name() + " TYPE").isIn("counter", "gauge");
                    assertThat(f.name()).startsWith("jcloud_");
                });
                assertThat(m.get("jcloud_workers").value()).isEqualTo(2.0);
                assertThat(m.get("jcloud_threads").value()).isEqualTo(2.0);
                assertThat(m.get("jcloud_clients").value()).isEqualTo(1.0);
                assertThat(m.get("jcloud_tasks_completed_total").type()).isEqualTo("counter");
                assertThat(m.get("jcloud_tasks_completed_total").value())
                        .isEqualTo((double) summary.tasksCompletedTotal())
                        .isGreaterThanOrEqualTo(1000.0);
                assertThat(m.get("jcloud_tasks").value("state", "processing")).isEqualTo(0.0);
                assertThat(m.get("jcloud_tasks").value("state", "memory")).isEqualTo((double) summary.tasksInMemory());
                assertThat(m.get("jcloud_task_duration_seconds").series().keySet())
                        .anyMatch(labels -> labels.get("kind").startsWith("MetricsEndpointTest.lambda$"));
                assertThat(m.get("jcloud_memory_limit_bytes").value()).isEqualTo(2.0 * (1L << 30));
                assertThat(m.get("jcloud_worker_memory_limit_bytes").value("worker", "w0"))
                        .isEqualTo((double) (1L << 30));
                assertThat(m.get("jcloud_stored_bytes").value())
                        .isEqualTo(m.get("jcloud_worker_stored_bytes").value("worker", "w0")
                                + m.get("jcloud_worker_stored_bytes").value("worker", "w1"));
                // Thresholds travel in the workers' registration.
                assertThat(m.get("jcloud_worker_memory_threshold_ratio").value("worker", "w1", "threshold", "spill"))
                        .isEqualTo(0.6);
                assertThat(m.get("jcloud_worker_memory_threshold_ratio").value("worker", "w1", "threshold", "pause"))
                        .isEqualTo(0.8);
                assertThat(m.get("jcloud_worker_memory_threshold_ratio")
                                .value("worker", "w1", "threshold", "terminate"))
                        .isEqualTo(0.95);
                assertThat(m.get("jcloud_idle_timeout_seconds").value()).isEqualTo(0.0);
                assertThat(m.get("jcloud_dashboard_streams").value()).isEqualTo(0.0);
                assertThat(m)
                        .containsKeys(
                                "jcloud_worker_cpu_ratio",
                                "jcloud_worker_network_received_bytes_total",
                                "jcloud_worker_transfers_total",
                                "jcloud_worker_uptime_seconds",
                                "jcloud_spilled_bytes",
                                "jcloud_throughput_tasks_per_second",
                                "jcloud_uptime_seconds",
                                "jcloud_dashboard_tick_seconds");
                // No extension published anything here: no cost or target families.
                assertThat(m).doesNotContainKeys("jcloud_cost_dollars_total", "jcloud_adaptive_target_workers");
            });
        }
    }

    @Test
    void theParserRejectsWhatPrometheusWouldReject() {
        assertThat(PrometheusText.parse("# HELP a x\n# TYPE a gauge\na{l=\"v\\\"\"} 1.5\n")
                        .get("a")
                        .value("l", "v\""))
                .isEqualTo(1.5);
        for (String bad : new String[] {
            "a 1",
            "a{l=\"v\"} 1\na{l=\"v\"} 2\n",
            "a 1\nb 1\na 2\n",
            "a{l=v} 1\n",
            "# TYPE a gauge\n# TYPE a counter\na 1\n",
            "a 1\n# TYPE a gauge\n",
            "a x\n",
            "9a 1\n"
        }) {
            try {
                PrometheusText.parse(bad);
                throw new AssertionError("accepted: " + bad);
            } catch (IllegalArgumentException | IndexOutOfBoundsException expected) {
                // rejected, as it should be
            }
        }
    }
}
