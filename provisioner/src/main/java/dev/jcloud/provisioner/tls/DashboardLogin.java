package dev.jcloud.provisioner.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The secret that opens a cluster's dashboard and {@code /metrics} (browsers cannot present the
 * cluster's client certificate): 32 random bytes, kept beside the cluster's TLS files in
 * {@value #FILE} (mode 0600). It reaches the scheduler like its key does (secret stores on clouds,
 * a path on the command line locally, {@value #FLAG}) and the user through
 * {@code jcloud cluster dashboard NAME}. The port then speaks HTTPS with the scheduler's
 * certificate, so the token never crosses the network in clear.
 */
public final class DashboardLogin {

    /** The token's file in a cluster's TLS directory. */
    public static final String FILE = "dashboard-token";
    /** The scheduler's flag naming the token's file (never the token). */
    public static final String FLAG = "--dashboard-token-file";

    private static final SecureRandom RANDOM = new SecureRandom();

    private DashboardLogin() {}

    /** Writes a new token to {@code tlsDir}, replacing any earlier one. */
    static void create(Path tlsDir) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        PemFiles.writeSecret(
                tlsDir.resolve(FILE), Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "\n");
    }

    /** The token's file in {@code tlsDir}, made first when the directory predates dashboard tokens. */
    public static Path ensure(Path tlsDir) {
        Path file = tlsDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            create(tlsDir);
        }
        return file;
    }

    /** The token in {@code tlsDir}, if the cluster has one (clusters without TLS have none). */
    public static Optional<String> read(Path tlsDir) {
        Path file = tlsDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The address that signs a browser in: {@code https://HOST:PORT/?token=...} (a cluster with a
     * token runs TLS, and its dashboard speaks HTTPS with the scheduler's certificate).
     */
    public static String url(String dashboardAddress, String token) {
        return "https://" + dashboardAddress + "/?token=" + URLEncoder.encode(token, StandardCharsets.US_ASCII);
    }

    /**
     * An HTTP client for the dashboard of the cluster whose TLS files are in {@code tlsDir}: it trusts
     * only the cluster's CA and checks the name its certificates carry (see {@code ClusterHttps}).
     */
    public static java.net.http.HttpClient client(Path tlsDir, java.time.Duration connectTimeout) {
        TlsFiles files = ClusterTrust.clientFiles(tlsDir);
        return dev.jcloud.engine.security.ClusterHttps.client(files.ca(), files.serverName(), connectTimeout);
    }
}
