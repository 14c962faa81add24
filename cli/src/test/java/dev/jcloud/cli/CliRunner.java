package dev.jcloud.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the CLI in this JVM with captured output, against a test's own state directory. */
final class CliRunner {

    /** What one command did. */
    record Result(int exitCode, String out, String err) {}

    private final Path stateDir;

    CliRunner(Path stateDir) {
        this.stateDir = stateDir;
    }

    Result run(String... args) {
        String before = System.getProperty("jcloud.state.dir");
        System.setProperty("jcloud.state.dir", stateDir.toString());
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            if (before == null) {
                System.clearProperty("jcloud.state.dir");
            } else {
                System.setProperty("jcloud.state.dir", before);
            }
        }
    }
}
