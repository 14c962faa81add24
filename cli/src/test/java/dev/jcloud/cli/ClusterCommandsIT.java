package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud cluster ...} against real scheduler and worker processes, run in-process. */
class ClusterCommandsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    private final List<Long> pids = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> alive(pids).isEmpty());
    }

    @Test
    void credentialsOfATlsClusterLetAnotherProgramConnectAndNothingElse() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run(
                "cluster",
                "up",
                "--provider",
                "local",
                "--workers",
                "1",
                "--name",
                "cred-it",
                "--nthreads",
                "1",
                "--tls");
        rememberPids("cred-it");
        assertThat(up.exitCode()).as(up.err()).isZero();
        Path out = stateDir.resolve("exported");

        CliRunner.Result cred = cli.run("cluster", "credentials", "cred-it", "--out", out.toString());

        assertThat(cred.exitCode()).as(cred.err()).isZero();
        assertThat(Files.getPosixFilePermissions(out))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(out.resolve("client-key.pem")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(out.resolve("ca-key.pem")).doesNotExist(); // the CA key stays with the cluster's owner
        String scheduler = JSON.readTree(
                        cli.run("cluster", "list", "--output", "json").out())
                .get(0)
                .get("scheduler")
                .asText();
        try (dev.jcloud.engine.api.Client client = dev.jcloud.engine.api.Client.builder(scheduler)
                .mutualTls(out.resolve("client.pem"), out.resolve("client-key.pem"), out.resolve("ca.pem"))
                .connect()) {
            assertThat(client.submit(() -> 6 * 7).get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(42);
        }
        assertThat(Files.readString(out.resolve("connect.txt")))
                .contains(scheduler)
                .contains(".mutualTls(");

        // The dashboard: `up` does not print its token; `cluster dashboard` prints the address that
        // signs a browser in; `status` reads the cost meter with it; the export carries it, 0600.
        String token = Files.readString(out.resolve("dashboard-token")).strip();
        assertThat(Files.getPosixFilePermissions(out.resolve("dashboard-token")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(up.out()).contains("jcloud cluster dashboard cred-it").doesNotContain(token);
        CliRunner.Result direct = cli.run("cluster", "dashboard", "cred-it", "--print");
        assertThat(direct.exitCode()).as(direct.err()).isZero();
        assertThat(direct.out().strip()).startsWith("https://127.0.0.1:").endsWith("/?token=" + token);
        CliRunner.Result forwarded = cli.run("cluster", "dashboard", "cred-it", "--for", "1s");
        assertThat(forwarded.exitCode()).as(forwarded.err()).isZero();
        assertThat(forwarded.out()).startsWith("http://127.0.0.1:").contains("/?token=" + token);

        // What 'cluster dashboard' runs: a loopback port a browser opens without the cluster's CA,
        // forwarding over TLS checked against that CA; the scheduler still checks the token.
        System.setProperty("jcloud.state.dir", stateDir.toString()); // as CliRunner does for a command
        var provisioner = ClusterCommand.provisioner();
        System.clearProperty("jcloud.state.dir");
        ClusterRecord record = provisioner.find("cred-it").orElseThrow();
        try (DashboardForwarder forwarder = DashboardForwarder.start(
                provisioner.dashboardClient(record, java.time.Duration.ofSeconds(5)),
                provisioner.dashboardUrl(record, ""))) {
            java.net.http.HttpClient browser = java.net.http.HttpClient.newHttpClient();
            var login = browser.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(forwarder.url() + "/?token=" + token))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(login.statusCode()).isEqualTo(303);
            String cookie =
                    login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            var page = browser.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(forwarder.url() + "/"))
                            .header("Cookie", cookie)
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<html");
            try (var events = browser.send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(forwarder.url() + "/api/stream"))
                                    .header("Cookie", cookie)
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofInputStream())
                    .body()) {
                assertThat(new String(events.readNBytes(6), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo("retry:");
            }
            assertThat(browser.send(
                                    java.net.http.HttpRequest.newBuilder(
                                                    java.net.URI.create(forwarder.url() + "/metrics"))
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .isEqualTo(401);
            assertThat(browser.send(
                                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(forwarder.url() + "/"))
                                            .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                            .build(),
                                    java.net.http.HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .isEqualTo(405);
        }
        assertThat(cli.run("cluster", "down", "cred-it").exitCode()).isZero();
    }

    @Test
    void iamPolicyPrintsTheLeastPolicyForAws() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir).run("iam-policy", "--provider", "aws");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode policy = JSON.readTree(r.out());
        assertThat(policy.get("Version").asText()).isEqualTo("2012-10-17");
        assertThat(policy.get("Statement").findValuesAsText("Sid")).contains("RemoveOnlyJcloudResources");
        assertThat(new CliRunner(stateDir)
                        .run("iam-policy", "--provider", "mars")
                        .exitCode())
                .isEqualTo(2);
    }

    @Test
    void upListStatusScaleDownLeavesNoProcessAndNoState() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run(
                "cluster",
                "up",
                "--provider",
                "local",
                "--workers",
                "2",
                "--name",
                "cli-it",
                "--nthreads",
                "1",
                "--output",
                "json");
        rememberPids("cli-it");
        assertThat(up.exitCode()).as(up.err()).isZero();
        JsonNode json = JSON.readTree(up.out());
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly("name", "provider", "scheduler", "dashboard", "workers");
        assertThat(json.get("name").asText()).isEqualTo("cli-it");
        assertThat(json.get("provider").asText()).isEqualTo("local");
        assertThat(json.get("scheduler").asText()).startsWith("127.0.0.1:");
        assertThat(json.get("workers").asInt()).isEqualTo(2);
        assertThat(alive(pids)).hasSize(3);

        CliRunner.Result list = cli.run("cluster", "list", "--output", "json");
        assertThat(list.exitCode()).isZero();
        JsonNode listed = JSON.readTree(list.out());
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("name").asText()).isEqualTo("cli-it");
        assertThat(listed.get(0).get("scheduler").asText())
                .isEqualTo(json.get("scheduler").asText());

        CliRunner.Result status = cli.run("cluster", "status", "cli-it", "--output", "json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(JSON.readTree(status.out()).get("registered_workers").asInt())
                .isEqualTo(2);

        CliRunner.Result text = cli.run("cluster", "status", "cli-it");
        assertThat(text.out()).contains("cli-it-worker-1").contains("cli-it-worker-2");

        CliRunner.Result scale = cli.run("cluster", "scale", "cli-it", "3");
        rememberPids("cli-it");
        assertThat(scale.exitCode()).as(scale.err()).isZero();
        assertThat(scale.out()).isEqualTo("cluster cli-it now has 3 workers\n");

        CliRunner.Result adapt = cli.run("cluster", "adapt", "cli-it", "--min", "1", "--max", "4");
        assertThat(adapt.exitCode()).isEqualTo(2);
        assertThat(adapt.err()).contains("runs no controller");

        CliRunner.Result down = cli.run("cluster", "down", "cli-it");
        assertThat(down.exitCode()).as(down.err()).isZero();
        assertThat(down.out()).isEqualTo("cluster cli-it stopped: no process of it is left\n");
        assertThat(alive(pids)).isEmpty();
        assertThat(Files.exists(stateDir.resolve("clusters/cli-it.json"))).isFalse();
        assertThat(Files.exists(stateDir.resolve("clusters/cli-it"))).isFalse();

        CliRunner.Result again = cli.run("cluster", "down", "cli-it");
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("nothing to stop");
    }

    @Test
    void listDoesNotShowAClusterWhoseProcessesWereKilled() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run("cluster", "up", "--workers", "1", "--name", "cli-killed");
        rememberPids("cli-killed");
        assertThat(up.exitCode()).as(up.err()).isZero();
        assertThat(up.out()).contains("cluster cli-killed is up").contains("jcloud cluster down cli-killed");

        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // kill -9
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> alive(pids).isEmpty());

        CliRunner.Result list = cli.run("cluster", "list", "--output", "json");
        assertThat(list.exitCode()).isZero();
        assertThat(JSON.readTree(list.out())).isEmpty();
        assertThat(Files.exists(stateDir.resolve("clusters/cli-killed.json"))).isFalse();
        assertThat(cli.run("cluster", "list").out()).isEqualTo("no clusters are running\n");
    }

    private void rememberPids(String name) {
        new ClusterStateStore(stateDir)
                .load(name)
                .ifPresent(r -> r.nodes().stream()
                        .map(Node::id)
                        .map(Long::parseLong)
                        .filter(p -> !pids.contains(p))
                        .forEach(pids::add));
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream()
                .filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                .toList();
    }
}
