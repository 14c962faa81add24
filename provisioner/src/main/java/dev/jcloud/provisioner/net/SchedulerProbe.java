package dev.jcloud.provisioner.net;

import dev.jcloud.engine.scheduler.DashboardToken;
import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Whether the engine's scheduler answers at a host, asked while a provider waits for its
 * scheduler machine or task to come up. A seam: tests that have no machine to ask pass a lambda.
 */
@FunctionalInterface
public interface SchedulerProbe {

    /** True once the scheduler at {@code host} answers; false while it does not (yet). */
    boolean answers(String host);

    /**
     * Asks {@code http://host:dashboardPort/metrics}, then the same over HTTPS (clusters with TLS),
     * for the engine's own metrics (status 200 and a {@code jcloud_tasks} series, or 401 with the
     * engine's {@code Bearer realm="jcloud"} when the dashboard needs the cluster's token). A TCP connect alone proves nothing: proxies and middleboxes
     * accept connections for addresses nobody listens on. Each ask is bounded (2 s to connect, 3 s
     * for the answer); an interrupt is kept and thrown as a {@link ProvisionException}.
     */
    static SchedulerProbe metrics(int dashboardPort) {
        return host -> {
            try {
                return answers(ProbeHttp.CLIENT, "http://" + host + ":" + dashboardPort + "/metrics")
                        || answers(ProbeHttp.ANY_CERTIFICATE, "https://" + host + ":" + dashboardPort + "/metrics");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted while waiting for the scheduler", e);
            }
        };
    }

    /** Whether the engine answers at {@code url}: its metrics, or its own refusal without a token. */
    private static boolean answers(java.net.http.HttpClient http, String url) throws InterruptedException {
        try {
            // The bare request only: no token or cookie, since the HTTPS client trusts any certificate.
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(3))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("jcloud_tasks")
                    || r.statusCode() == 401
                            && r.headers()
                                    .firstValue("WWW-Authenticate")
                                    .filter(DashboardToken.REALM::equals)
                                    .isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
