package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.picocli.CommandLine.Option;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --tls-cert/--tls-key/--tls-ca}, shared by {@code scheduler} and {@code worker}: mutual TLS
 * on every port the process opens and every channel it dials; without them, {@code --insecure}
 * lets a plaintext listener off loopback start. The key is always a file, never a
 * flag value, so it does not show up in process listings; only the paths are ever printed.
 */
public final class TlsOptions {

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "PEM certificate of this process, issued by the cluster CA (with --tls-key and --tls-ca).")
    Path cert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM (PKCS#8) private key of --tls-cert; keep it mode 0600.")
    Path key;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "PEM certificate of the cluster CA: the only issuer whose certificates are accepted.")
    Path ca;

    @Option(
            names = "--tls-server-name",
            paramLabel = "NAME",
            description =
                    "The name the cluster's certificates carry (cloud clusters), checked instead of the address dialled.")
    String serverName;

    @Option(
            names = PlaintextExposure.INSECURE_FLAG,
            arity = "0..1",
            fallbackValue = "true",
            paramLabel = "true|false",
            description = "Allow listening in plaintext on an address other machines can reach (no TLS, no join"
                    + " token): anyone who reaches the port can then submit code or read results. Loopback needs"
                    + " no flag.")
    boolean insecure;

    /** Whether any of the TLS files was named (then {@link #security()} insists on all three). */
    boolean given() {
        return cert != null || key != null || ca != null;
    }

    /** Plaintext when no flag is given, mutual TLS when all three are; anything else is a user error. */
    TransportSecurity security() {
        int given = (cert != null ? 1 : 0) + (key != null ? 1 : 0) + (ca != null ? 1 : 0);
        if (given == 0) {
            return TransportSecurity.plaintext();
        }
        if (given != 3) {
            throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go together: give all three"
                    + " (files issued by the cluster CA) or none for plaintext (missing: " + missing() + ")");
        }
        readable("--tls-cert", cert);
        readable("--tls-key", key);
        readable("--tls-ca", ca);
        return TransportSecurity.mutualTls(cert.toFile(), key.toFile(), ca.toFile(), serverName);
    }

    private String missing() {
        StringBuilder s = new StringBuilder();
        if (cert == null) {
            s.append("--tls-cert ");
        }
        if (key == null) {
            s.append("--tls-key ");
        }
        if (ca == null) {
            s.append("--tls-ca ");
        }
        return s.toString().trim();
    }

    private static void readable(String flag, Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(flag + ": cannot read " + file + " (it must be a readable PEM file)");
        }
    }
}
