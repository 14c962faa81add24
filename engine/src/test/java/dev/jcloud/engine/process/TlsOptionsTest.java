package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsOptionsTest {

    @TempDir
    Path dir;

    @Test
    void tlsFlagsGoTogetherWithAClearError() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        for (String role : new String[] {"scheduler", "worker"}) {
            StringWriter err = new StringWriter();
            String[] args = role.equals("worker")
                    ? new String[] {"worker", "127.0.0.1:1", "--tls-cert", cert.toString()}
                    : new String[] {"scheduler", "--tls-cert", cert.toString()};
            assertThat(EngineMain.execute(new PrintWriter(err), args)).isEqualTo(2);
            assertThat(err.toString())
                    .contains("--tls-cert, --tls-key and --tls-ca go together")
                    .contains("missing: --tls-key --tls-ca");
        }
    }

    @Test
    void unreadableFilesNameTheFlagButNeverPrintContents() throws Exception {
        Path secret = Files.writeString(dir.resolve("key.pem"), "-----BEGIN " + "PRIVATE KEY-----\nSECRETBYTES\n");
        TlsOptions options = new TlsOptions(dir.resolve("missing.pem"), secret, secret, null, false);
        try {
            options.security();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("--tls-cert").doesNotContain("SECRETBYTES");
            return;
        }
        throw new AssertionError("expected a failure");
    }
}
