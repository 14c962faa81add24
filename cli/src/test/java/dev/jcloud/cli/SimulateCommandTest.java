package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud simulate}: one JSON object per line, clear errors for bad traces. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    @Test
    void jsonLinesForEveryPolicy() throws IOException {
        Path trace = Files.writeString(dir.resolve("t.csv"), "arrival_s,duration_s,kind\n0,10,a\n1,20,a\n");
        CliRunner.Result r = new CliRunner(dir).run("simulate", "--trace", trace.toString(), "--output", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(5); // fixed, dask and jcloud with each goal
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            assertThat(n.path("trace").asText()).isEqualTo("t.csv");
            assertThat(n.has("billed_worker_seconds") && n.has("dollars") && n.has("makespan_s"))
                    .isTrue();
        }
        assertThat(json.readTree(lines[1]).path("policy").asText()).isEqualTo("dask");
        assertThat(json.readTree(lines[4]).path("policy").asText()).isEqualTo("jcloud-latency");
        assertThat(json.readTree(lines[4]).has("pareto_front")).isTrue();
    }

    @Test
    void everyBuiltInTraceWithEveryGoalBesideDask() {
        CliRunner.Result r = new CliRunner(dir).run("simulate", "--trace", "all", "--policy", "all");
        assertThat(r.exitCode()).as(r.err()).isZero();
        for (String trace : new String[] {"bursty", "steady", "longtail", "nightly", "notebook", "ci"}) {
            assertThat(r.out()).contains(trace + " ").containsPattern(trace + " +jcloud-balanced");
        }
        assertThat(r.out()).contains("vs dask").contains("% latency");
    }

    @Test
    void aGoalAndMeasuredBootDelays() {
        CliRunner.Result r = new CliRunner(dir)
                .run(
                        "simulate",
                        "--trace",
                        "ci",
                        "--policy",
                        "jcloud",
                        "--adapt-goal",
                        "balanced",
                        "--boot-delay",
                        "40,80");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("boot 60 s (mean of 2 replayed in turn)").contains("ci         jcloud-balanced");

        CliRunner.Result bad = new CliRunner(dir).run("simulate", "--trace", "ci", "--adapt-goal", "fast");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--adapt-goal: use one of cost, balanced, latency (was 'fast')");
    }

    @Test
    void textTable() {
        CliRunner.Result r =
                new CliRunner(dir).run("simulate", "--trace", "longtail", "--policy", "jcloud", "--provider", "gcp");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("e2-standard-4").contains("longtail   jcloud-cost");
    }

    @Test
    void badTraceLineNamesFileAndLine() throws IOException {
        Path trace = Files.writeString(dir.resolve("bad.csv"), "0,1\n2,soon\n");
        CliRunner.Result r = new CliRunner(dir).run("simulate", "--trace", trace.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip())
                .isEqualTo(
                        "error: trace file " + trace + " line 2: duration_s must be a number of seconds (was 'soon')");
    }

    @Test
    void unknownPriceSaysHowToGiveOne() {
        CliRunner.Result r = new CliRunner(dir).run("simulate", "--trace", "steady", "--instance-type", "x9.huge");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no price for aws/us-east-1/x9.huge").contains("'prices' setting");
    }
}
