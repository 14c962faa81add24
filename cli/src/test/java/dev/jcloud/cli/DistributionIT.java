package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release distribution as a user gets it: {@code jcloud-<version>.tar.gz} unpacked into an
 * empty directory runs from another directory with nothing but Java (no Maven, no sources).
 */
class DistributionIT {

    private static final Duration UNPACK_DEADLINE = Duration.ofMinutes(1);
    private static final Duration VERSION_DEADLINE = Duration.ofMinutes(1);
    /** A local cluster of two worker JVMs on a busy machine: start, a small job, stop. */
    private static final Duration EXAMPLE_DEADLINE = Duration.ofMinutes(4);

    @TempDir
    static Path unpacked;

    @TempDir
    static Path elsewhere;

    @TempDir
    static Path userHome;

    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        String tarball = System.getProperty("jcloud.distribution");
        assertThat(tarball)
                .as("system property jcloud.distribution (set by the cli module's failsafe configuration)")
                .isNotNull();
        assertThat(Path.of(tarball))
                .as("the distribution the package phase makes")
                .isRegularFile();
        Run tar = run(List.of("tar", "-xzf", tarball, "-C", unpacked.toString()), unpacked, UNPACK_DEADLINE);
        assertThat(tar.exitCode()).as(tar.output()).isZero();
        home = unpacked.resolve("jcloud-" + System.getProperty("jcloud.version"));
    }

    @Test
    void holdsTheLauncherTheJarsTheLicenseAndTheReadme() throws IOException {
        assertThat(home.resolve("bin/jcloud")).isExecutable();
        assertThat(home.resolve("LICENSE")).content().contains("Apache License", "Version 2.0");
        assertThat(home.resolve("README.md")).isRegularFile();
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("jcloud-cli-") && n.endsWith(".jar"))
                    .anyMatch(n -> n.startsWith("jcloud-engine-") && n.endsWith(".jar"))
                    .allMatch(n -> n.endsWith(".jar"));
        }
    }

    @Test
    void printsItsVersionFromAnotherDirectory() throws Exception {
        Run r = jcloud(VERSION_DEADLINE, "--version");

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("jcloud " + System.getProperty("jcloud.version"), "Java ");
    }

    @Test
    void runsTheExampleOnALocalClusterAndStopsIt() throws Exception {
        Run r = jcloud(EXAMPLE_DEADLINE, "example", "--workers", "2", "--tasks", "20", "--samples", "20000");

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output())
                .containsPattern("pi is about 3\\.1")
                .contains("20/20 tasks")
                .contains("nothing is left running");
    }

    /** {@code bin/jcloud args} started in {@link #elsewhere}, its state and settings in a fresh home. */
    private static Run jcloud(Duration deadline, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(home.resolve("bin/jcloud").toString());
        command.addAll(List.of(args));
        return run(command, elsewhere, deadline);
    }

    private static Run run(List<String> command, Path dir, Duration deadline) throws Exception {
        Path log = Files.createTempFile(userHome, "out", ".log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", userHome.toString());
        env.put("JCLOUD_STATE_DIR", userHome.resolve("state").toString());
        env.put("XDG_CONFIG_HOME", userHome.resolve("config").toString());
        env.remove("JCLOUD_OPTS");
        // The JVM running this test: the distribution needs a Java 17+, not this build's Maven.
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("%s did not finish within %s; output so far:%n%s", command, deadline, read(log));
        }
        return new Run(p.exitValue(), read(log));
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** What one process did: its exit code and its output (stdout and stderr together). */
    private record Run(int exitCode, String output) {}
}
