package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

class MetricsEndpointTest {

    /** Prometheus text format 0.0.4: `name{labels} value`, comments start with #. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? ([-+0-9.eE]+|NaN)$");

    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                assertThat(line).matches("^(# (HELP|TYPE) [a-z_]+ .*)?$");
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("valid sample line: " + line).isTrue();
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(4)));
        }
        return samples;
    }

    @Test
    void metricsAreValidPrometheusTextAndMatchTheScheduler() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(2, 1); Client client = cluster.connect()) {
            client.gather(client.map(i -> i * 2, IntStream.range(0, 1000).boxed().toList()));
            String url = "http://" + cluster.scheduler().dashboardAddress() + "/metrics";
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String body = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Map<String, Double> m = parse(body);
                assertThat(m.get("jcloud_workers")).isEqualTo(2.0);
                assertThat(m.get("jcloud_clients")).isEqualTo(1.0);
                assertThat(m.get("jcloud_tasks_completed_total")).isGreaterThanOrEqualTo(1000.0);
                assertThat(m.get("jcloud_tasks{state=\"processing\"}")).isEqualTo(0.0);
                assertThat(m.keySet()).anyMatch(k -> k.startsWith("jcloud_task_duration_seconds{kind=\"MetricsEndpointTest.lambda$"));
                assertThat(m).containsKeys("jcloud_worker_memory_limit_bytes{worker=\"w0\"}",
                        "jcloud_worker_stored_bytes{worker=\"w1\"}");
            });
            assertThat(client.summary().tasksCompletedTotal()).isGreaterThanOrEqualTo(1000);
        }
    }
}
