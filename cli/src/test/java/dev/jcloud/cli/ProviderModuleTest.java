package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The command line with a provider module on its class path that it knows nothing of (the
 * {@code procs} test provider, never shipped): the provider is listed, takes its own flags and
 * settings, and plans a cluster, with no change to the CLI or the configuration.
 */
class ProviderModuleTest {

    private record Run(int code, String out, String err) {}

    private static Run jcloud(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void isListedAndItsFlagsAreInTheHelpOfUp() {
        assertThat(jcloud("--help").out()).containsPattern("\\n  procs +Processes on this machine");
        Run help = jcloud("cluster", "up", "--provider", "procs", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out().replaceAll("\\s+", " "))
                .contains("--max-procs=N procs: The hard maximum of worker processes.")
                .contains("--java=PATH procs: The java binary of engine processes");
    }

    @Test
    void itsFlagsBecomeItsSettingsAndAreCheckedByItsParsers() {
        Run plan = jcloud("cluster", "up", "--provider", "procs", "--max-procs", "3", "--workers", "2", "--dry-run");
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out())
                .contains("dry run: cluster")
                .contains("on procs")
                .contains("at most 3 (procs.max-workers)");

        Run bad = jcloud("cluster", "up", "--provider", "procs", "--max-procs", "lots", "--dry-run");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--max-procs: procs.max-workers must be a whole number (was 'lots')");

        Run other = jcloud("cluster", "up", "--provider", "local", "--max-procs", "3", "--dry-run");
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.err()).contains("--max-procs is an option of procs, not of provider local");
    }
}
