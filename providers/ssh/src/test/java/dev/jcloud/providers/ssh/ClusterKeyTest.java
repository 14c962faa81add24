package dev.jcloud.providers.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's own key: an owner-only file the SSH client reads back, and one authorized_keys line. */
class ClusterKeyTest {

    @TempDir
    Path dir;

    @Test
    void isAnOwnerOnlyKeyFileTheClientReadsAndOneRestrictedAuthorizedKeysLine() throws Exception {
        ClusterContext ctx = new ClusterContext("c", "0123abcd", dir, Map.of());

        String line = ClusterKey.ensure(ctx);

        Path key = ClusterKey.privateKeyFile(ctx);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        assertThat(SshHosts.loadKey(key)).hasSize(1);
        assertThat(line)
                .startsWith("no-pty,no-agent-forwarding,no-X11-forwarding ecdsa-sha2-nistp256 AAAA")
                .endsWith(" jcloud-cluster-0123abcd");
        assertThat(ClusterKey.ensure(ctx)).as("made once").isEqualTo(line);
    }
}
