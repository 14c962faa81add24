package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SecretFiles} as a boot script runs it, against a local metadata server and
 * {@link FakeComputeEngine}'s Secret Manager: with PROJECT {@code -} it reads the machine's
 * project from the metadata server (with the header the server requires) and then the secret of
 * that project into a 0600 file.
 */
class SecretFilesTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    @TempDir
    Path dir;

    private HttpServer metadata;
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final List<String> flavors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/computeMetadata/v1/", ex -> {
            String flavor = ex.getRequestHeaders().getFirst("Metadata-Flavor");
            flavors.add(String.valueOf(flavor));
            String value = values.get(ex.getRequestURI().getPath().substring("/computeMetadata/v1/".length()));
            int status = !"Google".equals(flavor) ? 403 : value == null ? 404 : 200;
            byte[] body = (status == 200 ? value : "no").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Metadata-Flavor", "Google");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        metadata.start();
    }

    @AfterEach
    void tearDown() {
        metadata.stop(0);
    }

    @Test
    void theOwnProjectComesFromTheMetadataServer() throws Exception {
        values.put("project/project-id", FakeComputeEngine.PROJECT + "\n");
        String token = "tok-" + System.nanoTime();
        addSecret("jcloud-abc123-join-token", token);
        Path out = dir.resolve("secrets");

        SecretFiles.run(List.of(SecretFiles.OWN_PROJECT, "jcloud-abc123-", "join-token", out.toString()), env(), null);

        assertThat(Files.readString(out.resolve("join-token"))).isEqualTo(token);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("join-token"))))
                .isEqualTo("rw-------");
        assertThat(flavors).containsOnly("Google");
        assertThat(GCE.calls(
                        "GET",
                        "/v1/projects/" + FakeComputeEngine.PROJECT
                                + "/secrets/jcloud-abc123-join-token/versions/latest:access"))
                .hasSize(1);
    }

    @Test
    void aMetadataServerWithoutTheProjectFailsTheFetchWithTheReason() {
        assertThatThrownBy(() ->
                        SecretFiles.run(List.of("-", "jcloud-abc123-", "join-token", dir.toString()), env(), null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot read this machine's project")
                .hasMessageContaining("HTTP 404");
        // A 4xx is final: asked once, not retried.
        assertThat(flavors).hasSize(1);
        assertThat(GCE.calls("GET", ".*/secrets/.*")).isEmpty();
    }

    @Test
    void theMetadataServerIsGooglesUnlessOverriddenLikeGooglesAuthLibrary() {
        assertThat(SecretFiles.metadataRoot(Map.of())).isEqualTo("http://metadata.google.internal");
        assertThat(SecretFiles.metadataRoot(Map.of("GCE_METADATA_HOST", "127.0.0.1:8080")))
                .isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void secretIdsAreThePrefixAndTheFileNameWithDotsAsUnderscores() {
        assertThat(SecretFiles.secretId("jcloud-abc123-", "join-token")).isEqualTo("jcloud-abc123-join-token");
        assertThat(SecretFiles.secretId("jcloud-abc123-", "ca.pem")).isEqualTo("jcloud-abc123-ca_pem");
    }

    private Map<String, String> env() {
        return Map.of(
                "GCE_METADATA_HOST",
                "127.0.0.1:" + metadata.getAddress().getPort(),
                "JCLOUD_SECRET_MANAGER_API",
                GCE.endpoint());
    }

    private static void addSecret(String id, String value) {
        GoogleRest api = new GoogleRest(GCE.endpoint(), null);
        var secret = GoogleRest.JSON.createObjectNode();
        secret.putObject("replication").putObject("automatic");
        api.post("/v1/projects/" + FakeComputeEngine.PROJECT + "/secrets?secretId=" + id, secret);
        var version = GoogleRest.JSON.createObjectNode();
        version.putObject("payload")
                .put("data", Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        api.post("/v1/projects/" + FakeComputeEngine.PROJECT + "/secrets/" + id + ":addVersion", version);
    }
}
