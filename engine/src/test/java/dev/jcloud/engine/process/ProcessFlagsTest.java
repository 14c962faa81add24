package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessFlagsTest {

    @Test
    void aWorkerCommandLineBecomesItsOptionsWithTheDefaultsForWhatIsNotGiven() {
        List<String> args = List.of(
                "127.0.0.1:8786",
                "--nthreads=2",
                "--resources",
                "GPU=1,MEM=4",
                "--resources=DISK=2",
                "--memory-spill",
                "0.5",
                "--insecure",
                "--local-directory",
                "/tmp/w");
        WorkerCommand w = WorkerCommand.parse(args);

        assertThat(w.schedulerAddress()).isEqualTo("127.0.0.1:8786");
        assertThat(w.nthreads()).isEqualTo(2);
        assertThat(w.resources()).isEqualTo(Map.of("GPU", "1", "MEM", "4", "DISK", "2"));
        assertThat(w.spill()).isEqualTo(0.5);
        assertThat(w.pause()).isEqualTo(0.8);
        assertThat(w.memoryLimit()).isEqualTo("auto");
        assertThat(w.deathTimeout()).isEqualTo("60s");
        assertThat(w.localDirectory()).isEqualTo(Path.of("/tmp/w"));
        assertThat(w.tls().insecure()).isTrue();
        assertThat(w.tls().cert()).isNull();
        assertThat(w.args()).isEqualTo(args);
    }

    @Test
    void aSwitchTakesAnExplicitValueAndTheLastValueOfAFlagWins() {
        SchedulerCommand s = SchedulerCommand.parse(List.of("--insecure", "false", "--port", "1", "--port", "0"));
        assertThat(s.tls().insecure()).isFalse();
        assertThat(s.port()).isZero();
        assertThat(s.host()).isEqualTo("0.0.0.0");
        assertThat(s.dashboardPort()).isEqualTo(8787);
        assertThat(SchedulerCommand.parse(List.of("--insecure=true")).tls().insecure())
                .isTrue();
    }

    @Test
    void aWorkersEndIsEpochSecondsOrAnIsoInstant() {
        assertThat(ProcessArgs.instant("--retire-at", "1796666400")).isEqualTo(Instant.ofEpochSecond(1796666400));
        assertThat(ProcessArgs.instant("--retire-at", "2026-12-07T18:00:00Z"))
                .isEqualTo(Instant.parse("2026-12-07T18:00:00Z"));
        assertThatThrownBy(() -> ProcessArgs.instant("--retire-at", "tomorrow"))
                .hasMessage("--retire-at: expected epoch seconds (e.g. 1796666400) or an ISO-8601 instant"
                        + " (e.g. 2026-12-07T18:00:00Z), was 'tomorrow'");
        assertThat(WorkerCommand.parse(List.of("h:1", "--retire-at", "1796666400"))
                        .retireAt())
                .isEqualTo("1796666400");
    }

    @Test
    void mistakesNameTheFlagAndWhatItTakes() {
        assertThatThrownBy(() -> SchedulerCommand.parse(List.of("--prot", "1")))
                .hasMessage("unknown option '--prot' for scheduler (see scheduler --help)");
        assertThatThrownBy(() -> SchedulerCommand.parse(List.of("--port", "eighty")))
                .hasMessage("--port must be a whole number (was 'eighty')");
        assertThatThrownBy(() -> SchedulerCommand.parse(List.of("--port"))).hasMessage("--port needs a value: PORT");
        assertThatThrownBy(() -> SchedulerCommand.parse(List.of("extra")))
                .hasMessage("unexpected argument 'extra' for scheduler");
        assertThatThrownBy(() -> WorkerCommand.parse(List.of("--nthreads", "1")))
                .hasMessage("missing ADDRESS: The scheduler, host:port.");
        assertThatThrownBy(() -> WorkerCommand.parse(List.of("h:1", "--resources", "GPU")))
                .hasMessageContaining("--resources takes NAME=AMOUNT pairs");
        assertThatThrownBy(() -> SchedulerCommand.parse(List.of("--insecure=yes")))
                .hasMessage("--insecure takes true or false (was 'yes')");
        assertThatThrownBy(() -> JoinCommand.parse(List.of("h:1"))).hasMessageContaining("--out is required");
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        String usage = ProcessFlags.usage("jcloud-engine worker", WorkerCommand.ROLE);
        assertThat(usage)
                .startsWith("Usage: jcloud-engine worker [OPTIONS] ADDRESS\n")
                .contains("  --memory-spill FRACTION\n      Spill results to disk above this fraction. Default: 0.6.\n")
                .contains("  --insecure\n")
                .contains("  --join-token-file FILE\n");
        for (ProcessFlags.Flag f : WorkerCommand.ROLE.flags()) {
            assertThat(usage).contains("  " + f.name());
            assertThat(f.description()).as(f.name()).endsWith(".");
        }
    }
}
