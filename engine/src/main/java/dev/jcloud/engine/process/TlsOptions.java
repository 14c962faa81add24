package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.net.TransportSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --tls-cert/--tls-key/--tls-ca}, shared by {@code scheduler} and {@code worker}: mutual TLS
 * on every port the process opens and every channel it dials; without them, {@code --insecure}
 * lets a plaintext listener off loopback start. The key is always a file, never a
 * flag value, so it does not show up in process listings; only the paths are ever printed.
 */
public record TlsOptions(Path cert, Path key, Path ca, String serverName, boolean insecure) {

    /** The flags, shared by the {@code scheduler} and {@code worker} roles. */
    static final List<ProcessFlags.Flag> FLAGS = List.of(
            new ProcessFlags.Flag(
                    "--tls-cert",
                    "FILE",
                    null,
                    "PEM certificate of this process, issued by the cluster CA (with --tls-key and --tls-ca)."),
            new ProcessFlags.Flag(
                    "--tls-key", "FILE", null, "PEM (PKCS#8) private key of --tls-cert; keep it mode 0600."),
            new ProcessFlags.Flag(
                    "--tls-ca",
                    "FILE",
                    null,
                    "PEM certificate of the cluster CA: the only issuer whose certificates are accepted."),
            new ProcessFlags.Flag(
                    "--tls-server-name",
                    "NAME",
                    null,
                    "The name the cluster's certificates carry (cloud clusters), checked instead of the address"
                            + " dialled."),
            new ProcessFlags.Flag(
                    PlaintextExposure.INSECURE_FLAG,
                    null,
                    null,
                    "Allow listening in plaintext on an address other machines can reach (no TLS, no join token):"
                            + " anyone who reaches the port can then submit code or read results. Loopback needs no"
                            + " flag."));

    static TlsOptions from(ProcessFlags flags) {
        return new TlsOptions(
                flags.path("--tls-cert"),
                flags.path("--tls-key"),
                flags.path("--tls-ca"),
                flags.string("--tls-server-name"),
                flags.on(PlaintextExposure.INSECURE_FLAG));
    }

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
