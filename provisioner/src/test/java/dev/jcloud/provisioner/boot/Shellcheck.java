package dev.jcloud.provisioner.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code shellcheck} on a rendered boot script, for tests here and in the provider modules
 * (whose steps become part of the script). Fails, naming what to install, when shellcheck is absent.
 */
public final class Shellcheck {

    private Shellcheck() {}

    /** The findings of {@code shellcheck -s bash} (all severities) on {@code script}; empty when clean. */
    public static String findings(String script) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(List.of("shellcheck", "--shell=bash", "--format=gcc", "-"))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new AssertionError(
                    "shellcheck is not installed; the boot-script tests need it: apt-get install shellcheck", e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(script.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("shellcheck did not finish within 60 s");
        }
        String findings = out.toString(StandardCharsets.UTF_8);
        if (p.exitValue() != 0 && findings.isBlank()) {
            throw new AssertionError("shellcheck failed with status " + p.exitValue() + " and no findings");
        }
        return findings;
    }

    /** Fails with the numbered script and shellcheck's findings unless {@code script} is clean. */
    public static void assertClean(String what, String script) throws IOException, InterruptedException {
        String findings = findings(script);
        if (!findings.isBlank()) {
            StringBuilder numbered = new StringBuilder();
            String[] lines = script.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                numbered.append(String.format("%4d  %s%n", i + 1, lines[i]));
            }
            throw new AssertionError("shellcheck finds issues in " + what + ":\n" + findings + "\n" + numbered);
        }
    }
}
