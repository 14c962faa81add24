package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Whether the engine's scheduler answers at a host. A seam: tests have no machine to ask.
 */
@FunctionalInterface
interface SchedulerProbe {

    boolean answers(String host);

    /**
     * Asks the dashboard port for the engine's own metrics. A TCP connect alone proves nothing:
     * proxies and middleboxes accept connections for addresses nobody listens on.
     */
    static SchedulerProbe metrics() {
        return host -> {
            try {
                HttpResponse<String> r = Http.CLIENT.send(HttpRequest.newBuilder(
                                URI.create("http://" + host + ":" + AzureNames.DASHBOARD_PORT + "/metrics"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("jcloud_tasks");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted while waiting for the scheduler", e);
            }
        };
    }

    /** Made on first use: every CLI command loads the provider, few wait for a scheduler. */
    final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private Http() {
        }
    }
}
