package dev.jcloud.provisioner.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.EngineCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders boot scripts with hostile values and runs them with bash and a fake {@code java}. */
class BootScriptTest {

    /** Values that would run commands or split words if they reached the shell unquoted. */
    static final List<String> HOSTILE = List.of(
            "it's",
            "'; touch PWNED; echo '",
            "$(touch PWNED)",
            "`touch PWNED`",
            "${HOME}",
            "$HOME",
            "line one\nline two; touch PWNED",
            "ünïcødé ✓ 日本",
            "back\\slash",
            "*",
            "  spaced  ",
            "\"double\"",
            "");

    @TempDir
    Path dir;

    @Test
    void everyHostileValueRendersAScriptBashCanParse() throws Exception {
        for (String hostile : HOSTILE) {
            BootScript script = BootScript.builder(hostileCommand(hostile), jar("x".getBytes(StandardCharsets.UTF_8)))
                    .env("JCLOUD_CLUSTER", hostile)
                    .jvmOption("-Dtag=" + hostile)
                    .joinToken(BootStep.engineMain("dev.example.TokenFiles", List.of(hostile)), "join-token")
                    .build();
            Path file = dir.resolve("check.sh");
            Files.writeString(file, script.render());
            Result r = run(List.of("bash", "-n", file.toString()), List.of());
            assertThat(r.exit).as("bash -n for %s:\n%s", hostile, r.output).isZero();
        }
    }

    @Test
    void hostileValuesReachJavaVerbatimAsSingleArguments() throws Exception {
        byte[] engine = "engine bytes".getBytes(StandardCharsets.UTF_8);
        EngineCommand command = EngineCommand.worker("10.0.0.5:8786").with("--name", "c-worker-0");
        for (int i = 0; i < HOSTILE.size(); i++) {
            command = command.with("--flag" + i, HOSTILE.get(i));
        }
        String cluster = String.join("|", HOSTILE);
        BootScript script = BootScript.builder(command, jar(engine))
                .env("JCLOUD_CLUSTER", cluster)
                .jvmOption("-Djcloud.tag=" + HOSTILE.get(2))
                .build();

        Result r = runScript(script);

        assertThat(r.exit).as(r.output).isZero();
        List<String> expected = new ArrayList<>();
        expected.add("-Djcloud.tag=" + HOSTILE.get(2));
        expected.add("-cp");
        expected.add(dir.resolve("home/engine.jar").toString());
        expected.add(BootScript.MAIN_CLASS);
        expected.addAll(command.arguments());
        assertThat(argv()).containsExactlyElementsOf(expected);
        assertThat(Files.readString(dir.resolve("java.env"), StandardCharsets.UTF_8))
                .isEqualTo(cluster);
        assertThat(Files.readAllBytes(dir.resolve("home/engine.jar"))).isEqualTo(engine);
        assertThat(dir.resolve("PWNED")).doesNotExist();
    }

    @Test
    void machinesLaunchedTogetherEachPickTheirNameByLaunchIndex() throws Exception {
        EngineCommand command = EngineCommand.worker("10.0.0.5:8786")
                .with("--name", "placeholder")
                .with("--nthreads", "2");
        List<String> names = List.of("w-0", HOSTILE.get(1), HOSTILE.get(6), HOSTILE.get(2));
        for (int index = 0; index < names.size(); index++) {
            BootScript script = BootScript.builder(command, jar(new byte[] {7}))
                    .nodeNames("--name", names, BootStep.shell("echo " + index))
                    .build();
            Result r = runScript(script);
            assertThat(r.exit).as(r.output).isZero();
            assertThat(argv())
                    .containsSubsequence("worker", "10.0.0.5:8786", "--name", names.get(index), "--nthreads", "2");
        }
        Result bad = runScript(BootScript.builder(command, jar(new byte[] {7}))
                .nodeNames("--name", names, BootStep.shell("echo 4"))
                .build());
        assertThat(bad.exit).isNotZero();
        assertThat(bad.output).contains("launch index '4' is not one of 0..3");
        assertThatThrownBy(() -> BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {7}))
                        .nodeNames("--name", names, BootStep.shell("echo 0"))
                        .build())
                .hasMessageContaining("no --name");
    }

    @Test
    void engineWithTheWrongChecksumIsNotStarted() throws Exception {
        Path served = dir.resolve("engine.jar");
        Files.writeString(served, "tampered");
        EngineArtifact wrong = new EngineArtifact(
                served.toUri(), sha256("original".getBytes(StandardCharsets.UTF_8)), EngineArtifact.Format.JAR);

        Result r =
                runScript(BootScript.builder(EngineCommand.scheduler(), wrong).build());

        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("does not have SHA-256");
        assertThat(dir.resolve("java.argv")).doesNotExist();
        // A machine that can never run the engine does not stay up, billing.
        assertThat(r.output).contains("the boot failed (status 1) before the engine started; powering the machine off");
        assertThat(Files.readString(dir.resolve("poweroff.argv"))).isEqualTo("-h now ");
    }

    @Test
    void aFailedDownloadOrSecretsFetchPowersTheMachineOffKeepingTheStatus() throws Exception {
        EngineArtifact missing = new EngineArtifact(
                dir.resolve("no-such-engine.jar").toUri(), sha256(new byte[] {9}), EngineArtifact.Format.JAR);
        Result download =
                runScript(BootScript.builder(EngineCommand.scheduler(), missing).build());
        assertThat(download.exit).isNotZero();
        assertThat(download.output).contains("before the engine started; powering the machine off");
        assertThat(dir.resolve("poweroff.argv")).exists();
        assertThat(dir.resolve("java.argv")).doesNotExist();

        Files.delete(dir.resolve("poweroff.argv"));
        Result secrets = runScript(BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {7}))
                .secrets(BootStep.shell("echo 'secret store: access denied' >&2\nreturn 3"))
                .build());
        assertThat(secrets.exit).isNotZero();
        assertThat(secrets.output).contains("cannot fetch the cluster's TLS material", "powering the machine off");
        assertThat(dir.resolve("poweroff.argv")).exists();
        assertThat(dir.resolve("java.argv")).doesNotExist();
    }

    @Test
    void watcherRunsBesideTheEngine() throws Exception {
        Result r = runScript(BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {1, 2}))
                .watcher(BootStep.shell(": > \"$FAKE_OUT/watched\""))
                .build());

        assertThat(r.exit).as(r.output).isZero();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Files.exists(dir.resolve("watched")));
    }

    @Test
    void aWorkerThatExitsAtItsMemoryLimitIsStartedAgainABoundedNumberOfTimes() throws Exception {
        BootScript worker = BootScript.builder(EngineCommand.worker("10.0.0.1:8786"), jar(new byte[] {4}))
                .build();

        Result twice = runScriptExiting(worker, "3 3 0");
        assertThat(twice.exit).as(twice.output).isZero();
        assertThat(Files.readString(dir.resolve("runs")).strip()).isEqualTo("3");
        assertThat(twice.output)
                .contains("starting it again (1 of 5)")
                .contains("starting it again (2 of 5)")
                .contains("powering the machine off");
        assertThat(dir.resolve("poweroff.argv")).exists();

        Files.delete(dir.resolve("runs"));
        Result always = runScriptExiting(worker, "3 3 3 3 3 3 3 3 3 3");
        assertThat(Files.readString(dir.resolve("runs")).strip())
                .isEqualTo(Integer.toString(BootScript.MEMORY_RESTARTS + 1));
        assertThat(always.output).contains("powering the machine off");

        Files.delete(dir.resolve("runs"));
        runScriptExiting(
                BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {4}))
                        .build(),
                "3 0");
        assertThat(Files.readString(dir.resolve("runs")).strip())
                .as("a scheduler is not restarted")
                .isEqualTo("1");
    }

    @Test
    void tarballEngineRunsWithItsLibDirectoryOnTheClassPath() throws Exception {
        Path staging = dir.resolve("staging/lib");
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("001-engine.jar"), "jar");
        Files.writeString(staging.resolve("000-first.jar"), "jar");
        Path tgz = dir.resolve("engine.tar.gz");
        Result tar = run(
                List.of(
                        "tar",
                        "-czf",
                        tgz.toString(),
                        "-C",
                        dir.resolve("staging").toString(),
                        "lib"),
                List.of());
        assertThat(tar.exit).as(tar.output).isZero();
        EngineArtifact artifact = EngineArtifact.of(tgz.toUri(), sha256(Files.readAllBytes(tgz)));
        assertThat(artifact.format()).isEqualTo(EngineArtifact.Format.TAR_GZ);

        Result r = runScript(BootScript.builder(EngineCommand.scheduler().with("--idle-timeout", "5m"), artifact)
                .build());

        assertThat(r.exit).as(r.output).isZero();
        // The JARs in name order (the bundle's class-path order), not the JVM's unspecified lib/* order.
        assertThat(argv())
                .containsExactly(
                        "-cp",
                        dir.resolve("home/engine/lib/000-first.jar") + ":"
                                + dir.resolve("home/engine/lib/001-engine.jar"),
                        BootScript.MAIN_CLASS,
                        "scheduler",
                        "--idle-timeout",
                        "5m");
        // When the engine exits, the machine powers off (and, with shutdown behaviour terminate, stops billing).
        assertThat(Files.readString(dir.resolve("poweroff.argv"))).isEqualTo("-h now ");
    }

    @Test
    void aShellJoinTokenStepWritesTheTokenIntoTheSecretsDirectory() throws Exception {
        String token = "shell-token-" + System.nanoTime();
        Files.writeString(dir.resolve("token-source"), token);
        // What a provider whose machines read their secret store with a CLI supplies.
        BootScript script = BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {1}))
                .joinToken(BootStep.shell("cat \"$FAKE_OUT/token-source\" > \"$1/join-token\""), "join-token")
                .build();
        assertThat(script.render()).doesNotContain(token).contains("join_token_file='join-token'");

        Result r = runScriptWithTokenFetcher(script, "none", "unused");

        assertThat(r.exit).as(r.output).isZero();
        assertThat(Files.readString(dir.resolve("engine.token")).split("\n"))
                .containsExactly(
                        dir.resolve("home/secrets/join-token").toString(),
                        "600",
                        sha256(token.getBytes(StandardCharsets.UTF_8)));
        String without = BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {1}))
                .build()
                .render();
        assertThat(without).doesNotContain("jcloud_step_join_token() {");
    }

    @Test
    void joinTokenFetcherRunsAMainFromTheEngineAndHandsTheEngineA0600TokenFile() throws Exception {
        String token = "join-token-" + System.nanoTime();
        Files.writeString(dir.resolve("token-source"), token);
        BootScript script = BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {3}))
                .joinToken(
                        BootStep.engineMain("dev.example.TokenFiles", List.of("-", "jcloud-c1-", "join-token")),
                        "join-token")
                .build();
        String rendered = script.render();
        assertThat(rendered)
                .contains("java -cp \"$JCLOUD_CLASSPATH\" 'dev.example.TokenFiles' '-' 'jcloud-c1-' 'join-token'"
                        + " \"$1\"")
                .contains("export JCLOUD_JOIN_TOKEN_FILE=")
                .doesNotContain(token);
        // The fetcher runs after the engine download (it is a main of the engine) and before the engine.
        assertThat(rendered.indexOf("jcloud_fetch\njcloud_join_token\n")).isPositive();

        Result r = runScriptWithTokenFetcher(script, "dev.example.TokenFiles", "write-0644");

        assertThat(r.exit).as(r.output).isZero();
        Path home = dir.resolve("home");
        assertThat(Files.readString(dir.resolve("fetcher.argv")).split("\0"))
                .containsExactly(
                        "-cp",
                        home.resolve("engine.jar").toString(),
                        "dev.example.TokenFiles",
                        "-",
                        "jcloud-c1-",
                        "join-token",
                        home.resolve("secrets").toString());
        // What the engine process got: the variable, a file only its owner reads (the fetcher's 0644 is
        // not trusted), and the token in it.
        assertThat(Files.readString(dir.resolve("engine.token")).split("\n"))
                .containsExactly(
                        home.resolve("secrets/join-token").toString(),
                        "600",
                        sha256(token.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.output).doesNotContain(token);
        assertThat(Files.readString(dir.resolve("fetcher.argv"))).doesNotContain(token);
    }

    @Test
    void aJoinTokenFetcherThatFailsOrWritesNothingStopsTheBoot() throws Exception {
        Files.writeString(dir.resolve("token-source"), "t");
        BootScript script = BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {4}))
                .joinToken(BootStep.engineMain("dev.example.TokenFiles", List.of("x")), "join-token")
                .build();

        Result failed = runScriptWithTokenFetcher(script, "dev.example.TokenFiles", "fail");
        assertThat(failed.exit).isNotZero();
        assertThat(failed.output).contains("cannot fetch the cluster's join token");
        assertThat(dir.resolve("engine.token")).doesNotExist();

        Result empty = runScriptWithTokenFetcher(script, "dev.example.TokenFiles", "nothing");
        assertThat(empty.exit).isNotZero();
        assertThat(empty.output).contains("the join-token fetcher wrote no token");
        assertThat(dir.resolve("engine.token")).doesNotExist();
    }

    @Test
    void theJoinTokenIsAPlainFileNameAndStepsBeforeTheDownloadAreShell() {
        for (String bad : List.of("", "../join-token", "a/b", ".hidden")) {
            assertThatThrownBy(() -> BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {5}))
                            .joinToken(BootStep.engineMain("M", List.of()), bad))
                    .as(bad)
                    .hasMessageContaining("plain file name");
        }
        assertThatThrownBy(() -> BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {5}))
                        .engineDownloadHeader(BootStep.engineMain("M", List.of())))
                .hasMessageContaining("give a shell step");
        assertThatThrownBy(() -> BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {5}))
                        .env("ENGINE_URL", "x"))
                .hasMessageContaining("sets ENGINE_URL itself");
    }

    @Test
    void engineDownloadSendsTheHeaderComputedAtBootAndTheScriptHoldsNoToken() throws Exception {
        byte[] engine = "private engine".getBytes(StandardCharsets.UTF_8);
        String token = "ya29.test-" + System.nanoTime();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/engine.jar", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            seen.add(String.valueOf(auth));
            byte[] body = ("Bearer " + token).equals(auth) ? engine : "denied".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(body == engine ? 200 : 401, body.length);
            try (var out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            Files.writeString(dir.resolve("token"), token);
            EngineArtifact artifact = new EngineArtifact(
                    java.net.URI.create(
                            "http://127.0.0.1:" + server.getAddress().getPort() + "/engine.jar"),
                    sha256(engine),
                    EngineArtifact.Format.JAR);
            // The hook reads the token on the machine at boot (a metadata server on a cloud; a file here).
            BootScript script = BootScript.builder(EngineCommand.scheduler(), artifact)
                    .engineDownloadHeader(
                            BootStep.shell("printf 'Authorization: Bearer %s\\n' \"$(cat \"$FAKE_OUT/token\")\""))
                    .build();

            Result r = runScript(script);

            assertThat(r.exit).as(r.output).isZero();
            assertThat(Files.readAllBytes(dir.resolve("home/engine.jar"))).isEqualTo(engine);
            assertThat(seen).containsExactly("Bearer " + token);
            assertThat(script.render()).doesNotContain(token).contains("jcloud_step_download_header");

            // Without the hook the server refuses, and the machine does not start an engine.
            Files.delete(dir.resolve("java.argv"));
            Result refused = runScript(
                    BootScript.builder(EngineCommand.scheduler(), artifact).build());
            assertThat(refused.exit).isNotZero();
            assertThat(dir.resolve("java.argv")).doesNotExist();
            // A hook that prints nothing stops the boot before any download.
            int before = seen.size();
            Result empty = runScript(BootScript.builder(EngineCommand.scheduler(), artifact)
                    .engineDownloadHeader(BootStep.shell("true"))
                    .build());
            assertThat(empty.exit).isNotZero();
            assertThat(empty.output).contains("could not compute the engine download's request header");
            assertThat(seen).hasSize(before);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void rejectsWhatAShellCannotCarry() {
        assertThatThrownBy(() -> ShellQuote.quote("a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> BootScript.builder(EngineCommand.scheduler(), jar(new byte[] {1}))
                        .env("A-B", "x"))
                .hasMessageContaining("environment variable name");
        assertThatThrownBy(() ->
                        new EngineArtifact(java.net.URI.create("https://x/e.jar"), "abc", EngineArtifact.Format.JAR))
                .hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> EngineArtifact.of(java.net.URI.create("ftp://x/e.jar"), "0".repeat(64)))
                .hasMessageContaining("https, http or file");
    }

    @Test
    void quotingRoundTripsThroughTheShell() throws Exception {
        for (String hostile : HOSTILE) {
            Result r = run(List.of("bash", "-c", "printf '%s' " + ShellQuote.quote(hostile)), List.of());
            assertThat(r.output).isEqualTo(hostile);
        }
    }

    private static EngineCommand hostileCommand(String hostile) {
        return EngineCommand.worker(hostile).with("--name", hostile).with("--tag", hostile);
    }

    private EngineArtifact jar(byte[] content) {
        try {
            Path served = dir.resolve("served-engine.jar");
            Files.write(served, content);
            return new EngineArtifact(served.toUri(), sha256(content), EngineArtifact.Format.JAR);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the whole script unprivileged, with a fake {@code java} that records its argv NUL-separated. */
    private Result runScript(BootScript script) throws Exception {
        return runWithJava(
                script,
                "printf '%s\\0' \"$@\" > \"$FAKE_OUT/java.argv\"\n"
                        + "printf '%s' \"${JCLOUD_CLUSTER:-}\" > \"$FAKE_OUT/java.env\"\n");
    }

    /** Runs the script with a fake {@code java} whose n-th run exits with the n-th of {@code exits}; counts runs in {@code runs}. */
    private Result runScriptExiting(BootScript script, String exits) throws Exception {
        return runWithJava(
                script,
                "n=$(( $(cat \"$FAKE_OUT/runs\" 2>/dev/null || echo 0) + 1 ))\n"
                        + "echo \"$n\" > \"$FAKE_OUT/runs\"\nset -- " + exits + "\nexit \"${!n:-0}\"\n");
    }

    /** Runs the script unprivileged, with {@code javaBody} as the fake {@code java} and a recording poweroff. */
    private Result runWithJava(BootScript script, String javaBody) throws Exception {
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/bash\n" + javaBody);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path poweroff = bin.resolve("poweroff");
        Files.writeString(poweroff, "#!/bin/bash\nprintf '%s ' \"$@\" > \"$FAKE_OUT/poweroff.argv\"\n");
        Files.setPosixFilePermissions(poweroff, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = dir.resolve("boot.sh");
        Files.writeString(file, script.render(), StandardCharsets.UTF_8);
        return run(
                List.of("bash", file.toString()),
                List.of(
                        "PATH=" + bin + ":" + System.getenv("PATH"),
                        "JCLOUD_HOME=" + dir.resolve("home"),
                        "JCLOUD_POWEROFF=" + poweroff,
                        "FAKE_OUT=" + dir));
    }

    /**
     * Runs the script with a fake {@code java}: as {@code fetcherMain} it records its argv and, per
     * {@code behaviour}, writes {@code $FAKE_OUT/token-source} into {@code <last arg>/join-token} with
     * a careless mode 0644 ({@code write-0644}), writes nothing ({@code nothing}) or fails
     * ({@code fail}); as the engine it records what it got: JCLOUD_JOIN_TOKEN_FILE, the file's mode
     * and the SHA-256 of its content.
     */
    private Result runScriptWithTokenFetcher(BootScript script, String fetcherMain, String behaviour) throws Exception {
        return runWithJava(
                script,
                "if [ \"$3\" = '" + fetcherMain + "' ]; then\n"
                        + "  printf '%s\\0' \"$@\" > \"$FAKE_OUT/fetcher.argv\"\n"
                        + "  case '" + behaviour + "' in\n"
                        + "    fail) echo 'fetcher: denied' >&2; exit 1 ;;\n"
                        + "    nothing) exit 0 ;;\n"
                        + "    *) out=\"${@: -1}/join-token\"; cat \"$FAKE_OUT/token-source\" > \"$out\"; chmod 644 \"$out\" ;;\n"
                        + "  esac\n"
                        + "  exit 0\n"
                        + "fi\n"
                        + "f=\"${JCLOUD_JOIN_TOKEN_FILE:-}\"\n"
                        + "{ echo \"$f\"; stat -c '%a' \"$f\"; sha256sum < \"$f\" | cut -d' ' -f1; } > \"$FAKE_OUT/engine.token\"\n");
    }

    private List<String> argv() throws IOException {
        String raw = Files.readString(dir.resolve("java.argv"), StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(List.of(raw.split("\0", -1)));
        out.remove(out.size() - 1); // printf '%s\0' ends every argument with NUL
        return out;
    }

    private Result run(List<String> cmd, List<String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    record Result(int exit, String output) {}
}
