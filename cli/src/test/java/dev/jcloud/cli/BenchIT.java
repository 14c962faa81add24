package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud bench} on a small fresh cluster: the JSON shape, not the speed. */
class BenchIT {

    @TempDir
    Path stateDir;

    @Test
    void printsTheDocumentedJson() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result flat = cli.run("bench", "flat", "--tasks", "500", "--workers", "1", "--output", "json");
        assertThat(flat.exitCode()).as(flat.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(flat.out());
        assertThat(json.get("shape").asText()).isEqualTo("flat");
        assertThat(json.get("tasks").asLong()).isEqualTo(500);
        assertThat(json.get("seconds").asDouble()).isPositive();
        assertThat(json.get("tasks_per_s").asLong()).isPositive();

        CliRunner.Result tree = cli.run("bench", "tree", "--tasks", "256", "--workers", "1");
        assertThat(tree.exitCode()).as(tree.err()).isZero();
        assertThat(tree.out())
                .contains("jcloud")
                .contains("tree")
                .contains("511 tasks")
                .contains("tasks/s");
    }

    @Test
    void dataShapesGiveTheBestAndTheMedianOfTheirRounds() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run("bench", "gather", "--size-mib", "1", "--rounds", "5", "--workers", "1", "--output", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode run = new ObjectMapper().readTree(r.out()).get("runs").get(0);
        assertThat(run.get("rounds").asInt()).isEqualTo(5);
        assertThat(run.get("median_seconds").asDouble())
                .isGreaterThanOrEqualTo(run.get("seconds").asDouble());
        assertThat(run.get("mib_per_s").asDouble()).isPositive();

        CliRunner.Result all = new CliRunner(stateDir).run("bench", "alltoall", "--size-mib", "1", "--rounds", "2");
        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(all.out()).contains("alltoall").contains("MiB/s").contains("median of 2");

        CliRunner.Result args = new CliRunner(stateDir).run("bench", "args", "--size-mib", "1", "--rounds", "2");
        assertThat(args.exitCode()).as(args.err()).isZero();
        assertThat(args.out()).contains("args").contains("median of 2");
    }

    @Test
    void roundsOutOfRangeAreRefusedNamingTheFlag() {
        CliRunner.Result r = new CliRunner(stateDir).run("bench", "gather", "--rounds", "0");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --rounds must be 1..1000 (was 0)\n");
    }

    @Test
    void compareDaskNeedsTheAnchorScript() {
        CliRunner.Result r = new CliRunner(stateDir).run("bench", "flat", "--compare-dask");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --compare-dask needs --dask-anchor FILE, the path of dask_anchor.py\n");
    }
}
