package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.join.Joiner;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of engine processes: {@code scheduler} and {@code worker} (and {@code join}, which
 * gets a user's client certificate from a scheduler admitting holders of the join token). The same commands are
 * mounted under the {@code jcloud} CLI; this class exists so that a machine needs only the engine
 * JARs to run a cluster role (the boot script and the local provider start it).
 */
@Command(name = "jcloud-engine", mixinStandardHelpOptions = true,
        subcommands = {SchedulerCommand.class, WorkerCommand.class, JoinCommand.class},
        description = "Run one role of the jcloud task engine.")
public final class EngineMain {

    public static void main(String[] args) {
        ProcessLogging.configure();
        System.exit(commandLine().execute(args));
    }

    /** A command line whose user errors print one clear line and exit 2, without a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new EngineMain());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                line.getErr().println("error: " + e.getMessage());
                return 2;
            }
            if (e instanceof Joiner.JoinFailedException) {
                line.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }
}
