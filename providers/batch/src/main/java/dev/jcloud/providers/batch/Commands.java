package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.ProvisionException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the batch system's client commands ({@code sbatch}, {@code squeue}, {@code qsub}...) with a
 * deadline, capturing what they print. A command that is missing fails naming it and what provides it.
 */
final class Commands {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Commands run by this JVM so far: what the tests check a dry run does not add to. */
    static final java.util.concurrent.atomic.AtomicLong RUN = new java.util.concurrent.atomic.AtomicLong();

    private final String installHint;

    /** @param installHint what provides the commands, for the message when one is missing */
    Commands(String installHint) {
        this.installHint = installHint;
    }

    /** What a command printed and how it exited. */
    record Result(int code, String out, String err) {
        boolean ok() {
            return code == 0;
        }

        /** stderr and stdout together, trimmed, for messages. */
        String text() {
            return (err.strip() + "\n" + out.strip()).strip();
        }
    }

    Result run(List<String> command) {
        return run(command, Map.of());
    }

    Result run(List<String> command, Map<String, String> env) {
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p;
        RUN.incrementAndGet();
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ProvisionException(
                    "cannot run " + command.get(0) + ": " + e.getMessage() + " (" + installHint + ")", e);
        }
        CompletableFuture<String> out = read(p.getInputStream());
        CompletableFuture<String> err = read(p.getErrorStream());
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ProvisionException(
                        String.join(" ", command) + " did not answer within " + TIMEOUT.toSeconds() + "s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while running " + command.get(0), e);
        }
    }

    /** Runs {@code command} and returns its output; a non-zero exit fails with what it printed. */
    String check(List<String> command, Map<String, String> env, String what) {
        Result r = run(command, env);
        if (!r.ok()) {
            throw new ProvisionException(what + " failed: " + String.join(" ", command) + " exited with " + r.code()
                    + (r.text().isEmpty() ? "" : ":\n" + r.text().indent(2).stripTrailing()));
        }
        return r.out();
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
