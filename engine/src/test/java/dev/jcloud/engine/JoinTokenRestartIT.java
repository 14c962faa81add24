package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A join-token cluster whose scheduler process is restarted (same address, same token, a new
 * cluster CA): its worker must join again with the token, not retry for ever with certificates
 * of the CA that died with the old scheduler.
 */
class JoinTokenRestartIT {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef-restart-it";

    @TempDir
    Path dir;

    private WorkerProcesses processes;

    @AfterEach
    void stop() throws Exception {
        if (processes != null) {
            processes.close();
        }
    }

    private Process scheduler(String name, int port, Path tokenFile) throws Exception {
        Path addressFile = dir.resolve(name + ".json");
        Process p = processes.start(
                name,
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--dashboard-port",
                "-1",
                "--address-file",
                addressFile.toString(),
                "--join-token-file",
                tokenFile.toString());
        await().atMost(Duration.ofSeconds(60)).failFast(() -> !p.isAlive()).until(() -> Files.exists(addressFile));
        return p;
    }

    private static Client join(String address, Path token) {
        return Client.builder(address)
                .joinToken(token)
                .connectTimeout(Duration.ofSeconds(30))
                .connect();
    }

    @Test
    void aWorkerJoinsTheRestartedSchedulerAgain() throws Exception {
        processes = new WorkerProcesses();
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String address = "127.0.0.1:" + port;
        Process first = scheduler("scheduler-1", port, tokenFile);
        processes.worker(address, "survivor", 1, "--join-token-file", tokenFile.toString(), "--death-timeout", "120s");
        try (Client client = join(address, tokenFile)) {
            client.waitForWorkers(1, Duration.ofSeconds(60));
            assertThat(client.submit(() -> 1 + 1).get(60, TimeUnit.SECONDS)).isEqualTo(2);
        }

        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        scheduler("scheduler-2", port, tokenFile);

        try (Client client = join(address, tokenFile)) {
            try {
                client.waitForWorkers(1, Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
            }
            assertThat(client.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }
}
