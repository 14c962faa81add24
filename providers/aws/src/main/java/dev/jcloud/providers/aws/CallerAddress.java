package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Detects the caller's public address, the default of {@code --allow-from}. A seam: tests and
 * callers behind a known NAT pass a fixed CIDR instead.
 */
@FunctionalInterface
public interface CallerAddress {

    /** The caller's address as a CIDR block, e.g. {@code 203.0.113.7/32}. */
    String cidr();

    /** A fixed CIDR (tests, or a caller that knows its address). */
    static CallerAddress fixed(String cidr) {
        Cidrs.check(AwsOptions.ALLOW_FROM, cidr);
        return () -> cidr;
    }

    /** Asks AWS's own "what is my IP" endpoint, which every AWS user can reach. */
    static CallerAddress detect() {
        return () -> {
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://checkip.amazonaws.com"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                String ip = r.body().strip();
                return Cidrs.check(AwsOptions.ALLOW_FROM, ip + "/32");
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ProvisionException("could not detect this machine's public address (" + e.getMessage()
                        + "): give the addresses allowed to reach the scheduler with --allow-from (" + AwsOptions.ALLOW_FROM
                        + "), e.g. 203.0.113.7/32", e);
            }
        };
    }
}
