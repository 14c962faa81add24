package dev.jcloud.cli;

import dev.jcloud.engine.process.JoinCommand;
import dev.jcloud.engine.process.ProcessLogging;
import dev.jcloud.engine.process.SchedulerCommand;
import dev.jcloud.engine.process.WorkerCommand;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code jcloud} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("scheduler") || args[0].equals("worker"))) {
            ProcessLogging.configure();   // an engine role: log like one
        } else {
            if (java.util.Arrays.asList(args).contains("--debug") && System.getProperty("jcloud.log.level") == null) {
                System.setProperty("jcloud.log.level", "INFO");   // read by the CLI's logback file
            }
            if (System.getProperty("logback.configurationFile") == null) {
                System.setProperty("logback.configurationFile", "jcloud-cli-logback.xml");
            }
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The whole command tree with jcloud's error conventions: a user error prints one line
     * {@code error: ...} and exits 2 (usage) or 1 (the operation failed), with a stack trace only
     * under {@code --debug} or {@code JCLOUD_DEBUG=1}.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new JcloudCommand());
        // The engine roles, exactly as the engine defines them, so a machine runs `jcloud worker ...`.
        cl.addSubcommand("scheduler", new SchedulerCommand());
        cl.addSubcommand("worker", new WorkerCommand());
        // A fixed (Terraform) cluster's credentials, for a user who holds its join token.
        cl.addSubcommand("join", new JoinCommand());
        ErrorHandler handler = new ErrorHandler();
        cl.setParameterExceptionHandler(handler);
        cl.setExecutionExceptionHandler(handler);
        return cl;
    }

    /** {@link #commandLine()} writing to the given streams (tests run the CLI in-process with these). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl;
    }
}
