package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.picocli.CommandLine;
import dev.jcloud.picocli.CommandLine.Command;

/**
 * Entry point of engine processes: {@code scheduler} and {@code worker} (and {@code join}, which
 * gets a user's client certificate from a scheduler admitting holders of the join token). The same commands are
 * mounted under the {@code jcloud} CLI; this class exists so that a machine needs only the engine
 * JARs to run a cluster role (the boot script and the local provider start it).
 */
@Command(
        name = "jcloud-engine",
        mixinStandardHelpOptions = true,
        subcommands = {SchedulerCommand.class, WorkerCommand.class, JoinCommand.class},
        description = "Run one role of the jcloud task engine.")
public final class EngineMain {

    public static void main(String[] args) {
        ProcessLogging.configure();
        CommandLine role = args.length == 0 ? null : role(args[0]);
        System.exit(
                role != null
                        ? role.execute(java.util.Arrays.copyOfRange(args, 1, args.length))
                        : commandLine().execute(args));
    }

    /** A command line whose user errors print one clear line and exit 2, without a stack trace. */
    public static CommandLine commandLine() {
        return withErrorHandling(new CommandLine(new EngineMain()));
    }

    /**
     * The command line of one role alone, or null for another word. A machine starting a role
     * need not pay for picocli reading the annotations of every command (a tenth of a second
     * on the critical path of a cluster's start).
     */
    public static CommandLine role(String name) {
        Object command = switch (name) {
            case "scheduler" -> new SchedulerCommand();
            case "worker" -> new WorkerCommand();
            case "join" -> new JoinCommand();
            default -> null;
        };
        return command == null
                ? null
                : withErrorHandling(new CommandLine(command)).setCommandName("jcloud-engine " + name);
    }

    private static CommandLine withErrorHandling(CommandLine cl) {
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
