package dev.jcloud.provisioner.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NetTest {

    @Test
    void cidrsAcceptNetworkAddressesAndNameTheOptionOtherwise() {
        assertThat(Cidrs.check("aws.allow-from", "203.0.113.7/32")).isEqualTo("203.0.113.7/32");
        assertThat(Cidrs.check("aws.allow-from", Cidrs.ANYWHERE)).isEqualTo("0.0.0.0/0");
        assertThat(Cidrs.check("aws.allow-from", "10.0.0.0/8")).isEqualTo("10.0.0.0/8");
        assertThatThrownBy(() -> Cidrs.check("gcp.allow-from", "203.0.113.7"))
                .hasMessage("invalid gcp.allow-from '203.0.113.7': use an IPv4 CIDR block such as 203.0.113.7/32");
        assertThatThrownBy(() -> Cidrs.check("azure.allow-from", "256.0.0.0/8"))
                .hasMessage("invalid azure.allow-from '256.0.0.0/8': use an IPv4 CIDR block (each number 0-255)");
        assertThatThrownBy(() -> Cidrs.check("aws.allow-from", "10.0.0.0/33"))
                .hasMessageContaining("a prefix length of 0-32");
        assertThatThrownBy(() -> Cidrs.check("aws.allow-from", "10.1.2.3/8"))
                .hasMessage("invalid aws.allow-from '10.1.2.3/8': use the network address of the block"
                        + " (host bits zero), e.g. 10.0.0.0/8");
        assertThatThrownBy(() -> Cidrs.check("aws.allow-from", "2001:db8::/32"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFixedCallerAddressIsCheckedWithItsOption() {
        assertThat(CallerAddress.fixed("gcp.allow-from", "198.51.100.0/24").cidr())
                .isEqualTo("198.51.100.0/24");
        assertThatThrownBy(() -> CallerAddress.fixed("gcp.allow-from", "198.51.100.1/24"))
                .hasMessageStartingWith("invalid gcp.allow-from '198.51.100.1/24'");
    }

    @Test
    void theProbeWantsTheEnginesOwnMetricsNotJustAnOpenPort() throws IOException {
        AtomicReference<String> body = new AtomicReference<>("# a proxy's page\n");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        try {
            SchedulerProbe probe = SchedulerProbe.metrics(server.getAddress().getPort());
            assertThat(probe.answers("127.0.0.1")).isFalse();
            body.set("jcloud_tasks{state=\"memory\"} 0\n");
            assertThat(probe.answers("127.0.0.1")).isTrue();
        } finally {
            server.stop(0);
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThat(SchedulerProbe.metrics(closedPort).answers("127.0.0.1")).isFalse();
    }
}
