package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DashboardForwarderTest {

    @Test
    void theForwardedCookieDropsSecureAndKeepsTheRest() {
        assertThat(DashboardForwarder.forLoopback(
                        "jcloud_dashboard_ab12=v; Path=/; Max-Age=43200; Secure; HttpOnly; SameSite=Strict"))
                .isEqualTo("jcloud_dashboard_ab12=v; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
        assertThat(DashboardForwarder.forLoopback("c=v; HttpOnly; secure")).isEqualTo("c=v; HttpOnly");
        assertThat(DashboardForwarder.forLoopback("c=SecureValue; Path=/")).isEqualTo("c=SecureValue; Path=/");
    }
}
