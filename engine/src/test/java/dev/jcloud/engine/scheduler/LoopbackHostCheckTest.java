package dev.jcloud.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.proto.ClusterInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A local (loopback, tokenless) dashboard answers only requests addressed to loopback: a page
 * that rebinds its own name to 127.0.0.1 sends that name in {@code Host} and is refused.
 */
class LoopbackHostCheckTest {

    private MetricsEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        endpoint = MetricsEndpoint.start(
                "127.0.0.1", 0, new PublishedGauges(), MetricsEndpoint.Settings.DEFAULTS, null, null);
        endpoint.publish(ClusterInfo.getDefaultInstance(), Map.of(), System.currentTimeMillis());
    }

    @AfterEach
    void stop() {
        endpoint.stop();
    }

    @Test
    void requestsForAnotherNameAreRefusedOnEveryPath() throws Exception {
        for (String path : new String[] {"/", "/metrics", "/api/snapshot", "/status"}) {
            assertThat(statusFor(path, "attacker.example:" + endpoint.port()))
                    .as(path)
                    .isEqualTo(403);
            assertThat(statusFor(path, "127.0.0.1.attacker.example")).as(path).isEqualTo(403);
        }
    }

    @Test
    void loopbackNamesAreServed() throws Exception {
        for (String host : new String[] {"127.0.0.1:" + endpoint.port(), "localhost:" + endpoint.port(), "127.0.0.1"}) {
            assertThat(statusFor("/metrics", host)).as(host).isEqualTo(200);
        }
        assertThat(LoopbackHostCheck.isLoopbackName("[::1]:8787")).isTrue();
        assertThat(LoopbackHostCheck.isLoopbackName("LOCALHOST.")).isTrue();
        assertThat(LoopbackHostCheck.isLoopbackName("127.0.0.256")).isFalse();
        assertThat(LoopbackHostCheck.isLoopbackName("[::2]")).isFalse();
        assertThat(LoopbackHostCheck.isLoopbackName("10.0.0.1:8787")).isFalse();
    }

    /** A raw HTTP/1.1 GET: the JDK's client will not send a Host header of our choosing. */
    private int statusFor(String path, String host) throws IOException {
        try (Socket s = new Socket("127.0.0.1", endpoint.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) {
                line.append((char) c);
            }
            // "HTTP/1.1 403 Forbidden"
            return Integer.parseInt(line.toString().split(" ")[1]);
        }
    }
}
