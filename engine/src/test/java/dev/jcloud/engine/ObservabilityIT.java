package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.PerformanceReport;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.api.TaskOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs and performance reports from real processes: a scheduler and two workers as separate JVMs
 * (each keeps its own log), one worker small enough to spill, and a graph whose reductions fetch
 * inputs across workers.
 */
class ObservabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private WorkerProcesses processes;
    private Client client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            try {
                client.shutdownCluster();
            } catch (RuntimeException ignored) {
                // already gone
            }
            client.close();
        }
        if (processes != null) {
            processes.close();
        }
    }

    static byte[] block(int seed) {
        byte[] b = new byte[2 << 20];
        java.util.Arrays.fill(b, (byte) seed);
        return b;
    }

    @Test
    void logsOfEachProcessAndAPerformanceReportWithTransfersAndSpills() throws Exception {
        processes = new WorkerProcesses();
        Path addressFile = dir.resolve("scheduler.json");
        processes.start(
                "scheduler",
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-port",
                "0",
                "--address-file",
                addressFile.toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(addressFile));
        JsonNode address = JSON.readTree(addressFile.toFile());
        String scheduler = address.get("scheduler").asText();
        String dashboard = address.get("dashboard").asText();
        processes.worker(scheduler, "w1", 2);
        processes.worker(scheduler, "small", 1, "--memory-limit", "100MiB", "--resources", "SMALL=1");
        client = Client.connect(scheduler);
        try {
            client.waitForWorkers(2, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
        }

        Path html = dir.resolve("reports").resolve("report.html");
        long tree;
        try (PerformanceReport report = client.performanceReport(html)) {
            assertThat(report.file()).isEqualTo(html);
            // A reduction over leaves spread on both workers: inputs travel between them.
            List<Delayed<Long>> leaves = new ArrayList<>();
            for (long i = 0; i < 2000; i++) {
                leaves.add(Delayed.apply(x -> x * 2, i));
            }
            tree = client.compute(EngineProcessesIT.tree(leaves)).get(60, TimeUnit.SECONDS);
            // 80 MiB on a worker whose results spill above 60 MiB.
            List<TaskFuture<byte[]>> blocks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int seed = i;
                blocks.add(
                        client.submit(() -> block(seed), TaskOptions.defaults().resource("SMALL", 1)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> blocks.stream().allMatch(TaskFuture::isDone));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.summary().workers().stream()
                            .anyMatch(w -> w.name().equals("small") && w.spilledBytes() > 0));
        }
        assertThat(tree).isEqualTo(2000L * 1999);

        // Each process's own log, over the engine's connections.
        List<String> schedulerLog = client.schedulerLogs();
        assertThat(schedulerLog)
                .anyMatch(l -> l.contains("INFO  SchedulerServer - scheduler listening at " + scheduler))
                .anyMatch(l -> l.contains("worker w1 joined"))
                .anyMatch(l -> l.contains("worker small joined"))
                .noneMatch(l -> l.contains("registered with"));
        Map<String, List<String>> workerLogs = client.workerLogs();
        assertThat(workerLogs.keySet()).containsExactlyInAnyOrder("w1", "small");
        assertThat(workerLogs.get("w1"))
                .anyMatch(l -> l.contains("worker w1 registered with " + scheduler))
                .noneMatch(l -> l.contains("scheduler listening"));
        assertThat(workerLogs.get("small")).anyMatch(l -> l.contains("worker small registered with"));

        // Transfers and spills counted on /metrics.
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + dashboard + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, PrometheusText.Family> m = PrometheusText.parse(metrics);
        assertThat(m.get("jcloud_worker_transfers_total").series().values().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum())
                .isPositive();
        assertThat(m.get("jcloud_worker_spilled_bytes").value("worker", "small"))
                .isPositive();

        // The report: one self-contained page.
        String page = Files.readString(html);
        assertThat(page)
                .startsWith("<!doctype html>")
                .endsWith("</html>\n")
                .doesNotContain("http://", "https://", "<script", " src=", "url(", "<link");
        assertThat(page)
                .contains(
                        "<svg class=\"stream\"",
                        "class=\"task\"",
                        "class=\"transfer\"",
                        "class=\"spill\"",
                        "id=\"durations\"",
                        "id=\"transfers\"",
                        "<polyline class=\"worker\" data-worker=\"small\"",
                        "<polyline class=\"worker\" data-worker=\"w1\"");
        // Exact counts: the tree's 2,000 leaves and 1,999 sums, and 40 blocks.
        assertThat(figure(page, "tasks finished")).isEqualTo("4,039");
        Matcher rows = Pattern.compile("<tr data-kind=\"[^\"]*\"><td class=\"kind\"[^>]*>.*?</td><td>([0-9,]+)</td>")
                .matcher(page);
        List<String> counts = new ArrayList<>();
        while (rows.find()) {
            counts.add(rows.group(1));
        }
        assertThat(counts).containsExactlyInAnyOrder("2,000", "1,999", "40");
        assertThat(Integer.parseInt(figure(page, "transfers").replace(",", ""))).isPositive();
    }

    private static String figure(String page, String label) {
        Matcher f = Pattern.compile("<div class=\"figure\"><b>([^<]*)</b><span>" + Pattern.quote(label) + "</span>")
                .matcher(page);
        assertThat(f.find()).as("figure " + label).isTrue();
        return f.group(1);
    }
}
