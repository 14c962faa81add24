package dev.jcloud.engine.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PlaintextExposureTest {

    @Test
    void plaintextOnAllInterfacesIsRefusedWithOneLineSayingHowToSecureIt() {
        for (String[] args : new String[][] {
            {"scheduler", "--port", "0", "--dashboard-port", "-1"},
            {"scheduler", "--host", "0.0.0.0", "--port", "0", "--dashboard-port", "-1"},
            {"worker", "127.0.0.1:1", "--death-timeout", "1s"}
        }) {
            StringWriter err = new StringWriter();
            assertThat(EngineMain.execute(new PrintWriter(err), args))
                    .as(String.join(" ", args))
                    .isEqualTo(2);
            assertThat(err.toString().strip())
                    .doesNotContain("\n")
                    .contains("listen on 0.0.0.0")
                    .contains("in plaintext")
                    .contains("--tls-cert/--tls-key/--tls-ca")
                    .contains("--join-token-file")
                    .contains("--host 127.0.0.1")
                    .contains("--insecure");
        }
    }

    @Test
    void loopbackEncryptionOrAnExplicitInsecurePass() {
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "127.0.0.1", 8786, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "127.1.2.3", 8786, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "localhost", 8786, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "::1", 8786, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "0.0.0.0", 8786, true, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> PlaintextExposure.check("scheduler", "run code here", "0.0.0.0", 8786, false, true))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> PlaintextExposure.check("scheduler", "run code here", "::", 8786, false, false))
                .hasMessageContaining("--insecure");
        assertThatThrownBy(
                        () -> PlaintextExposure.check("scheduler", "run code here", "192.0.2.10", 8786, false, false))
                .hasMessageContaining("192.0.2.10:8786");
    }

    @Test
    void theFlagIsOfferedByBothRoles() {
        for (String role : new String[] {"scheduler", "worker"}) {
            assertThat(EngineMain.role(role).flags())
                    .as(role)
                    .anyMatch(f -> f.name().equals("--insecure") && f.isSwitch());
        }
    }
}
