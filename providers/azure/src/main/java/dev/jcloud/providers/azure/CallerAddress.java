package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ProvisionException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Detects the caller's public address, the default of {@code azure.allow-from}. A seam: tests and
 * callers behind a known NAT pass a fixed CIDR instead. (A copy of the aws module's, kept small on
 * purpose until the lead moves one shared copy into the provisioner.)
 */
@FunctionalInterface
public interface CallerAddress {

    /** The caller's address as a CIDR block, e.g. {@code 203.0.113.7/32}. */
    String cidr();

    /** A fixed CIDR (tests, or a caller that knows its address). */
    static CallerAddress fixed(String cidr) {
        Cidrs.check(AzureOptions.ALLOW_FROM, cidr);
        return () -> cidr;
    }

    /**
     * Asks a plain "what is my IP" endpoint. Azure has no such endpoint of its own; this one answers
     * anyone with the address only, and nothing about the caller is sent.
     */
    static CallerAddress detect() {
        return () -> {
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://checkip.amazonaws.com"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                String ip = r.body().strip();
                return Cidrs.check(AzureOptions.ALLOW_FROM, ip + "/32");
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ProvisionException("could not detect this machine's public address (" + e.getMessage()
                        + "): give the addresses allowed to reach the scheduler with " + AzureOptions.ALLOW_FROM
                        + " (--allow-from), e.g. 203.0.113.7/32", e);
            }
        };
    }
}
