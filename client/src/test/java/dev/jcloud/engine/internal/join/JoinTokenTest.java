package dev.jcloud.engine.internal.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTokenTest {

    @TempDir
    Path dir;

    @Test
    void aTokenIsReadWithoutItsNewlineAndNeverPrinted() throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
        JoinToken t = JoinToken.read(f, "--join-token-file");
        assertThat(new String(t.secret())).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(t.toString()).doesNotContain("0123");
    }

    @Test
    void unreadableEmptyOrShortTokensAreRefusedNamingTheFlag() throws Exception {
        assertThatThrownBy(() -> JoinToken.read(dir.resolve("missing"), "--join-token-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--join-token-file: cannot read");
        assertThatThrownBy(() -> JoinToken.read(dir, "--join-token-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--join-token-file: cannot read");
        Path empty = Files.writeString(dir.resolve("empty"), " \n");
        assertThatThrownBy(() -> JoinToken.read(empty, "--join-token-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--join-token-file", "is empty");
        Path shortOne = Files.writeString(dir.resolve("short"), "secret");
        assertThatThrownBy(() -> JoinToken.read(shortOne, "--join-token-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--join-token-file", "too short", "at least 32")
                .hasMessageNotContaining("secret\"");
        Path huge = Files.write(dir.resolve("huge"), new byte[100_000]);
        assertThatThrownBy(() -> JoinToken.read(huge, "--join-token-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("larger than");
    }
}
