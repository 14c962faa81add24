package dev.jcloud.providers.ssh;

import dev.jcloud.provisioner.ClusterContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * The cluster's own SSH key: made at {@code up} (EC P-256), authorised on every host for the
 * cluster's lifetime and removed from them at {@code down} or idle teardown. The in-cluster
 * controller logs in with it from the scheduler's host to start and stop workers and to remove the
 * cluster; the user's own keys never leave the user's machine.
 *
 * <p>Files: {@code ssh/cluster-key} (OpenSSH format, 0600) and {@code ssh/cluster-key.pub} under the
 * cluster's state directory.
 */
final class ClusterKey {

    private ClusterKey() {}

    static Path privateKeyFile(ClusterContext cluster) {
        return cluster.workDir().resolve("ssh").resolve("cluster-key");
    }

    /** The key of {@code cluster}, made on first use; returns its authorized_keys line. */
    static String ensure(ClusterContext cluster) {
        Path priv = privateKeyFile(cluster);
        Path pub = priv.resolveSibling("cluster-key.pub");
        try {
            if (!Files.isRegularFile(priv) || !Files.isRegularFile(pub)) {
                Files.createDirectories(priv.getParent());
                Files.setPosixFilePermissions(priv.getParent(), PosixFilePermissions.fromString("rwx------"));
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                KeyPair pair = g.generateKeyPair();
                Files.deleteIfExists(priv);
                Files.createFile(
                        priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                // OpenSSH's own format: what MINA (the controller) and OpenSSH both read.
                try (OutputStream out = Files.newOutputStream(priv)) {
                    OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(
                            pair, HostScripts.marker(cluster.id()), null, out);
                }
                try (OutputStream out = Files.newOutputStream(pub)) {
                    OpenSSHKeyPairResourceWriter.INSTANCE.writePublicKey(
                            pair.getPublic(), HostScripts.marker(cluster.id()), out);
                }
            }
            String[] line =
                    Files.readString(pub, StandardCharsets.US_ASCII).strip().split("\\s+");
            return "no-pty,no-agent-forwarding,no-X11-forwarding " + line[0] + " " + line[1] + " "
                    + HostScripts.marker(cluster.id());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot make the cluster's SSH key in " + priv.getParent() + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC P-256 key: " + e.getMessage(), e);
        }
    }
}
