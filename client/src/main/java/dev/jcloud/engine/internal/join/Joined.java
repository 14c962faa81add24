package dev.jcloud.engine.internal.join;

import dev.jcloud.engine.internal.net.TransportSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What a party got by joining: its certificate and key, the cluster CA and the name the cluster's
 * certificates carry, all in memory (PEM).
 */
public record Joined(byte[] certificatePem, byte[] privateKeyPem, byte[] caPem, String serverName) {

    /** Mutual TLS with this material: the same code path as {@code --tls-*} files. */
    public TransportSecurity security() {
        return TransportSecurity.mutualTlsPem(certificatePem, privateKeyPem, caPem, serverName);
    }

    /**
     * Writes {@code client.pem}, {@code client-key.pem} (0600, written as such, never readable by
     * others even for a moment), {@code ca.pem} and {@code server-name} into {@code dir} (made 0700
     * when new), the layout of {@code jcloud cluster credentials}.
     */
    public void writeTo(Path dir, String stem) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        write(dir.resolve(stem + "-key.pem"), privateKeyPem, "rw-------");
        write(dir.resolve(stem + ".pem"), certificatePem, "rw-r--r--");
        write(dir.resolve("ca.pem"), caPem, "rw-r--r--");
        write(
                dir.resolve("server-name"),
                (serverName + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "rw-r--r--");
    }

    /** Writes {@code dashboard-token} (0600) into {@code dir}: what the cluster's dashboard and /metrics ask for. */
    public static void writeDashboardToken(Path dir, String token) throws IOException {
        write(
                dir.resolve("dashboard-token"),
                (token + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "rw-------");
    }

    private static void write(Path file, byte[] content, String mode) throws IOException {
        Path temp = Files.createTempFile(
                file.getParent(),
                ".join-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temp, content);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(mode));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String toString() {
        return "Joined[serverName=" + serverName + "]";
    }
}
