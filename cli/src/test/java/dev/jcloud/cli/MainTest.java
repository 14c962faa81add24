package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.process.EngineMain;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    @Test
    void aLeafCommandIsBuiltAloneUnderItsFullName() {
        CommandLine up = Main.oneCommand(new String[] {"cluster", "up", "--provider", "local"});
        assertThat(up.getCommandName()).isEqualTo("jcloud cluster up");
        assertThat((Object) up.getCommand()).isInstanceOf(ClusterUpCommand.class);
        assertThat(Main.oneCommand(new String[] {"bench", "flat"}).getCommandName())
                .isEqualTo("jcloud bench");
        assertThat(Main.oneCommand(new String[] {"config", "show", "--sources"}).getCommandName())
                .isEqualTo("jcloud config show");
    }

    @Test
    void helpCompletionAndUnknownWordsGetTheWholeTree() {
        assertThat(Main.oneCommand(new String[] {})).isNull();
        assertThat(Main.oneCommand(new String[] {"--help"})).isNull();
        assertThat(Main.oneCommand(new String[] {"cluster"})).isNull();
        assertThat(Main.oneCommand(new String[] {"cluster", "--help"})).isNull();
        assertThat(Main.oneCommand(new String[] {"clutser", "up"})).isNull();
        assertThat(Main.oneCommand(new String[] {"completion"})).isNull();
    }

    @Test
    void aLeafBuiltAloneReportsUsageErrorsAsTheTreeDoes() {
        var err = new java.io.StringWriter();
        CommandLine up = Main.oneCommand(new String[] {"cluster", "up", "--bogus"});
        up.setErr(new java.io.PrintWriter(err, true));
        int code = up.execute("--bogus");
        assertThat(code).isEqualTo(ErrorHandler.USAGE);
        assertThat(err.toString()).contains("'--bogus'").contains("jcloud cluster up --help");
    }

    @Test
    void providersContributeTheirFlagsAndAreListedInHelp() {
        CommandLine up = Main.oneCommand(new String[] {"cluster", "up", "--help"});
        String usage = up.getUsageMessage(CommandLine.Help.Ansi.OFF);
        // Each flag comes from the module that understands it; shared ones name every provider.
        assertThat(usage)
                .contains("--region=REGION")
                .contains("aws, fargate: The AWS region")
                .contains("--zone=ZONE")
                .contains("--vm-size=SIZE")
                .contains("--worker-cpu=UNITS");
        assertThat(usage.replaceAll("\\s+", " "))
                .contains("--spot[=true|false]")
                .contains("aws: Workers on spot capacity")
                .contains("gcp: Workers on Spot VMs");
        String top = Main.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(top)
                .contains("Providers in this build (--provider):")
                .containsPattern("\\n  local +This machine")
                .containsPattern("\\n  fargate +AWS Fargate");
    }

    @Test
    void engineRolesOfferTheEnginesOwnFlags() {
        assertThat(EngineMain.role("cluster")).isNull();
        for (String role : new String[] {"scheduler", "worker", "join"}) {
            CommandLine cl = Main.commandLine().getSubcommands().get(role);
            for (var flag : EngineMain.role(role).flags()) {
                assertThat(cl.getCommandSpec().findOption(flag.name()))
                        .as(role + " " + flag.name())
                        .isNotNull();
            }
            assertThat(cl.getCommandSpec().options().stream()
                            .filter(o -> !o.usageHelp() && !o.versionHelp())
                            .count())
                    .as(role)
                    .isEqualTo(EngineMain.role(role).flags().size());
        }
    }
}
