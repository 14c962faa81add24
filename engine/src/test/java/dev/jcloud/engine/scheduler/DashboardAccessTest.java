package dev.jcloud.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.internal.logs.RecentLogs;
import dev.jcloud.engine.proto.ClusterInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard port with a token: every path refuses without it, a bearer header or the session
 * cookie a {@code ?token=} login sets lets in, and nothing of the token shows in logs or errors.
 */
class DashboardAccessTest {

    private static final String TOKEN = "Zq3-secret_token-0123456789abcdef";

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private MetricsEndpoint endpoint;
    private String base;

    @BeforeEach
    void start() throws Exception {
        endpoint = MetricsEndpoint.start(
                "127.0.0.1",
                0,
                new PublishedGauges(),
                MetricsEndpoint.Settings.DEFAULTS,
                DashboardToken.of(TOKEN),
                null);
        endpoint.publish(ClusterInfo.getDefaultInstance(), Map.of(), System.currentTimeMillis());
        base = "http://127.0.0.1:" + endpoint.port();
    }

    @AfterEach
    void stop() {
        endpoint.stop();
    }

    @Test
    void everyPathRefusesARequestWithoutTheToken() throws Exception {
        for (String path :
                List.of("/", "/index.html", "/metrics", "/status", "/api/snapshot", "/api/stream", "/nope")) {
            HttpResponse<String> r = get(path, null, null);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).as(path).hasValue("Bearer realm=\"jcloud\"");
            assertThat(r.body())
                    .as(path)
                    .contains("jcloud cluster dashboard NAME")
                    .doesNotContain("jcloud_tasks");
        }
    }

    @Test
    void aBearerTokenOpensMetricsAndAWrongOneIsRefusedAndLogged() throws Exception {
        RecentLogs.install();
        assertThat(get("/metrics", "Bearer " + TOKEN, null).body()).contains("jcloud_tasks{state=\"waiting\"}");
        HttpResponse<String> wrong = get("/metrics", "Bearer " + TOKEN + "x", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(get("/metrics", "Basic " + TOKEN, null).statusCode()).isEqualTo(401);
        List<String> refusals = RecentLogs.global().lines(200).stream()
                .filter(l -> l.contains("refused dashboard request"))
                .toList();
        // Logged once for this address (then quiet for a minute), and never with what was presented.
        assertThat(refusals).isNotEmpty();
        assertThat(String.join("\n", RecentLogs.global().lines(500))).doesNotContain(TOKEN);
    }

    @Test
    void aTokenInTheAddressBecomesASessionCookieAndLeavesTheAddressBar() throws Exception {
        HttpResponse<String> login = get("/?token=" + TOKEN, null, null);
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).hasValue("/");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie)
                .startsWith(DashboardToken.of(TOKEN).cookieName() + "=")
                .contains("Max-Age=" + DashboardAccess.SESSION_SECONDS)
                .doesNotContain("Secure")
                .contains("HttpOnly")
                .contains("SameSite=Lax")
                .doesNotContain(TOKEN);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        HttpResponse<String> page = get("/", null, cookie);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<html");
        assertThat(get("/api/snapshot", null, "other=1; " + cookie).statusCode())
                .isEqualTo(200);
        assertThat(get("/", null, DashboardToken.of(TOKEN).cookieName() + "=forged")
                        .statusCode())
                .isEqualTo(401);
        assertThat(get("/?token=wrong-token-0123456789", null, null).statusCode())
                .isEqualTo(401);
        assertThat(DashboardAccess.queryToken("a=1&token=%zz")).isEqualTo("%zz");
    }

    @Test
    void eachClusterHasItsOwnSessionCookieSecureUnderHttps() throws Exception {
        DashboardToken other = DashboardToken.of("another-cluster-token-0123456789");
        assertThat(other.cookieName())
                .startsWith("jcloud_dashboard_")
                .isNotEqualTo(DashboardToken.of(TOKEN).cookieName());
        // A browser holding both clusters' cookies for 127.0.0.1 gets into each with its own.
        String mine = get("/?token=" + TOKEN, null, null)
                .headers()
                .firstValue("Set-Cookie")
                .orElseThrow();
        String both = other.cookieName() + "=" + other.session() + "; " + mine.substring(0, mine.indexOf(';'));
        assertThat(get("/api/snapshot", null, both).statusCode()).isEqualTo(200);
        assertThat(get("/api/snapshot", null, other.cookieName() + "=" + other.session())
                        .statusCode())
                .isEqualTo(401);
        assertThat(new DashboardAccess(other, true).sessionCookieHeader())
                .startsWith(other.cookieName() + "=")
                .contains("; Secure")
                .contains("Max-Age=");
    }

    @Test
    void aBrowserWithoutTheTokenGetsAPageSayingHowToGetIn() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base + "/"))
                        .header("Accept", "text/html,application/xhtml+xml")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(r.body()).contains("jcloud cluster dashboard NAME");
    }

    @Test
    void tokensAreCheckedAndNeverPrinted(@TempDir Path dir) throws Exception {
        assertThat(DashboardToken.of(TOKEN).toString()).doesNotContain(TOKEN);
        assertThatThrownBy(() -> DashboardToken.of("short")).hasMessageContaining("16 to 512 characters");
        assertThatThrownBy(() -> DashboardToken.of("has a space in it, 0123456789"))
                .hasMessageContaining("ASCII letters, digits")
                .hasMessageNotContaining("0123456789");
        assertThatThrownBy(() -> DashboardToken.of("plus+would+decode+as+space"))
                .hasMessageContaining("character 5");
        Path file = dir.resolve("dashboard-token");
        Files.writeString(file, TOKEN + "\n");
        assertThat(DashboardToken.readFile(file).matches(TOKEN)).isTrue();
        assertThatThrownBy(() -> DashboardToken.readFile(dir.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
    }

    private HttpResponse<String> get(String path, String authorization, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
