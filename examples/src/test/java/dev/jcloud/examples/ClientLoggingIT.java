package dev.jcloud.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's program with only jcloud's client artifacts on its class path and no logging
 * configuration ({@link WordStatsMain} in a fresh JVM on this project's runtime class path) prints
 * its own output and nothing from jcloud or grpc below WARN: neither jcloud-client nor the provider
 * that starts the local cluster brings a logging binding (one such as logback-classic, unconfigured,
 * prints everything at DEBUG).
 */
class ClientLoggingIT {

    private static final Duration DEADLINE = Duration.ofMinutes(4);

    /** A log line below WARN from jcloud or grpc, in any of the usual layouts (level before or after the logger). */
    private static final Pattern CHATTER = Pattern.compile(
            "\\b(TRACE|DEBUG|INFO)\\b.*\\b(dev\\.jcloud|io\\.grpc)|\\b(dev\\.jcloud|io\\.grpc)\\S*.*\\b(TRACE|DEBUG|INFO)\\b");

    @TempDir
    Path temp;

    @Test
    void printsNothingFromJcloudBelowWarn() throws Exception {
        String runtimeClasspath = Files.readString(
                        Path.of(System.getProperty("examples.runtime.classpath.file")), StandardCharsets.UTF_8)
                .strip();
        String classpath = System.getProperty("examples.classes") + File.pathSeparator + runtimeClasspath;
        Path output = temp.resolve("output.txt");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classpath,
                        WordStatsMain.class.getName())
                .directory(temp.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("JCLOUD_STATE_DIR", temp.resolve("state").toString());
        Process p = pb.start();
        if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("%s did not finish within %s; output so far:%n%s", WordStatsMain.class, DEADLINE, read(output));
        }
        String out = read(output);

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("lines=8 words=");
        List<String> chatter =
                out.lines().filter(l -> CHATTER.matcher(l).find()).toList();
        assertThat(chatter)
                .as(
                        "lines below WARN from jcloud or grpc (%d of %d lines)",
                        chatter.size(), out.lines().count())
                .isEmpty();
    }

    private static String read(Path file) throws java.io.IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
