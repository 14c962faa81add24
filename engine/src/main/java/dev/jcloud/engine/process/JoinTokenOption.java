package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.join.JoinToken;
import java.nio.file.Path;

/**
 * {@code --join-token-file}, shared by {@code scheduler} and {@code worker}: the cluster's join
 * token for clusters made without a provisioner (Terraform exports), whose boot scripts write it to
 * a 0600 file and export {@value JoinToken#FILE_ENV}. The flag names a file, never the token.
 */
final class JoinTokenOption {

    static final String FLAG = "--join-token-file";

    static final ProcessFlags.Flag SPEC = new ProcessFlags.Flag(
            FLAG,
            "FILE",
            null,
            "File holding the cluster's join token (default: $" + JoinToken.FILE_ENV + ", else the value of $"
                    + JoinToken.VALUE_ENV + ", when set): members prove they hold it and get certificates of a CA"
                    + " the scheduler makes at start. Not with --tls-cert/--tls-key/--tls-ca.");

    private JoinTokenOption() {}

    /**
     * The token to admit or join with, or null for the {@code --tls-*} files (or plaintext). The
     * flag and explicit TLS files conflict; the environment default yields to explicit TLS files,
     * which are what a provisioned cluster passes.
     */
    static JoinToken token(Path file, TlsOptions tls) {
        boolean tlsFiles = tls.cert() != null || tls.key() != null || tls.ca() != null;
        if (file != null) {
            if (tlsFiles) {
                throw new IllegalArgumentException(FLAG + " and --tls-cert/--tls-key/--tls-ca exclude each other:"
                        + " give the join token or the cluster's certificate files, not both");
            }
            return JoinToken.read(file, FLAG);
        }
        if (tlsFiles) {
            return null;
        }
        Path fromEnv = JoinToken.defaultFile();
        // A file wins over a value: boot scripts write files; only ECS hands out values.
        return fromEnv != null
                ? JoinToken.read(fromEnv, FLAG + " (from $" + JoinToken.FILE_ENV + ")")
                : JoinToken.fromEnvironment();
    }

    /** The name the cluster's certificates carry: {@code --tls-server-name}, else a fixed one. */
    static String serverName(TlsOptions tls) {
        return tls.serverName() != null && !tls.serverName().isBlank() ? tls.serverName() : "scheduler.cluster.jcloud";
    }
}
