package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTokenOptionTest {

    @TempDir
    Path dir;

    private static String run(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        assertThat(EngineMain.execute(new PrintWriter(err), args))
                .as(err.toString())
                .isEqualTo(expectedExit);
        return err.toString();
    }

    @Test
    void badTokenFilesAreRefusedNamingTheFlagAndNeverPrintingTheToken() throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "hunter2");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        for (String[] role : new String[][] {{"scheduler"}, {"worker", "127.0.0.1:1"}}) {
            String[] base = role;
            assertThat(run(2, concat(base, "--join-token-file", shortToken.toString())))
                    .contains("--join-token-file", "too short")
                    .doesNotContain("hunter2");
            assertThat(run(2, concat(base, "--join-token-file", empty.toString())))
                    .contains("--join-token-file", "is empty");
            assertThat(run(
                            2,
                            concat(
                                    base,
                                    "--join-token-file",
                                    dir.resolve("missing").toString())))
                    .contains("--join-token-file: cannot read");
        }
    }

    @Test
    void theTokenAndTlsFilesExcludeEachOther() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "0123456789abcdef0123456789abcdef");
        Path pem = Files.writeString(dir.resolve("x.pem"), "x");
        assertThat(run(
                        2,
                        "scheduler",
                        "--join-token-file",
                        token.toString(),
                        "--tls-cert",
                        pem.toString(),
                        "--tls-key",
                        pem.toString(),
                        "--tls-ca",
                        pem.toString()))
                .contains("--join-token-file and --tls-cert/--tls-key/--tls-ca exclude each other");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
