package dev.jcloud.cli;

import dev.jcloud.config.ConfigException;
import dev.jcloud.engine.api.ClusterUnavailableException;
import dev.jcloud.provisioner.ProvisionException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * jcloud's error conventions: a user error is one line per problem starting with {@code error:},
 * naming the flag or file and what is accepted; no stack trace unless {@code --debug} (or
 * {@code JCLOUD_DEBUG=1}). Exit code 2 for bad input or configuration, 1 when an operation failed.
 */
final class ErrorHandler implements IParameterExceptionHandler, IExecutionExceptionHandler {

    static final int FAILED = 1;
    static final int USAGE = 2;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(
                "error: " + ex.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        if (debug(cl.getParseResult()) || CommonOptions.debugFromEnvironment()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code;
        String message;
        if (ex instanceof ConfigException ce) {
            code = USAGE;
            message = String.join("\nerror: ", ce.problems());
        } else if (ex instanceof IllegalArgumentException) {
            code = USAGE;
            message = ex.getMessage();
        } else if (ex instanceof ProvisionException
                || ex instanceof ClusterUnavailableException
                || ex instanceof UserFailure
                || ex instanceof UncheckedIOException) {
            code = FAILED;
            message = ex.getMessage();
        } else {
            code = FAILED;
            message = "unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                    + " (run again with --debug for the stack trace)";
        }
        err.println("error: " + message);
        if (debug(parsed) || CommonOptions.debugFromEnvironment()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** Whether {@code --debug} was given on any command of the parsed chain. */
    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }
}
