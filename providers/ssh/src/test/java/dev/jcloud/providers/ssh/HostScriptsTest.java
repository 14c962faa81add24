package dev.jcloud.providers.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every script the provider runs on a host is valid POSIX sh ({@code sh -n}), with hostile values quoted. */
class HostScriptsTest {

    private static final HostSpec HOST = new HostSpec(
            "h1",
            "10.0.0.5",
            22,
            "alice",
            Optional.empty(),
            Optional.empty(),
            2,
            Optional.of("/opt/my jdk/bin/java"),
            Optional.of("module load java/17 # it's a prologue"),
            true,
            "10.0.0.5",
            "dir with 'quotes' and $(dollars)",
            ".ssh/authorized_keys");

    @Test
    void everyScriptParses() throws Exception {
        Map<String, String> scripts = Map.of(
                "javaVersion", HostScripts.javaVersion(HOST),
                "prepare", HostScripts.prepare(HOST, "abc123", "c", "0f".repeat(32)),
                "enginePresent", HostScripts.enginePresent(HOST, "0f".repeat(32)),
                "unpackEngine", HostScripts.unpackEngine(HOST, "0f".repeat(32), "x/.e.tar.gz"),
                "launch",
                        HostScripts.launch(
                                HOST,
                                "abc123",
                                "c",
                                "worker",
                                List.of(new HostScripts.NodeStart(
                                        "c-worker-1",
                                        List.of("-Dx=$C", "-Dy=it's"),
                                        List.of("worker", "10.0.0.5:1", "--name", "a b")))),
                "inventory", HostScripts.inventory(HOST, null),
                "kill", HostScripts.kill(HOST, "abc123", List.<String[]>of(new String[] {"c-worker-1", "42"}), 10),
                "authorize",
                        HostScripts.authorize(HOST, "abc123", "no-pty ecdsa-sha2-nistp256 AAAA jcloud-cluster-abc123"),
                "revoke", HostScripts.revoke(HOST, "abc123"),
                "tail", HostScripts.tail(HOST, "abc123", "c-worker-1", 20));
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, String> e : scripts.entrySet()) {
            String err = syntaxErrors(e.getValue());
            if (!err.isEmpty()) {
                bad.add(e.getKey() + ": " + err + "\n" + e.getValue());
            }
        }
        assertThat(bad).isEmpty();
    }

    private static String syntaxErrors(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-n").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0 ? "" : out.strip();
    }
}
