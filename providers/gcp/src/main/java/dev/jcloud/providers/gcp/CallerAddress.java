package dev.jcloud.providers.gcp;

import dev.jcloud.provisioner.ProvisionException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The caller's public address, the default of {@code gcp.allow-from}. A seam: tests (and callers
 * behind a known NAT) pass a fixed CIDR. This is a small copy of the AWS provider's class; the two
 * could move to the provisioner module.
 */
@FunctionalInterface
interface CallerAddress {

    /** The caller's address as a CIDR block, e.g. {@code 203.0.113.7/32}. */
    String cidr();

    /** A fixed CIDR. */
    static CallerAddress fixed(String cidr) {
        Cidrs.check(GcpOptions.ALLOW_FROM, cidr);
        return () -> cidr;
    }

    /** Asks a public "what is my address" endpoint (plain text, one address). */
    static CallerAddress detect() {
        return () -> {
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://checkip.amazonaws.com"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                return Cidrs.check(GcpOptions.ALLOW_FROM, r.body().strip() + "/32");
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ProvisionException("could not detect this machine's public address (" + e.getMessage()
                        + "): give the addresses allowed to reach the scheduler with --allow-from ("
                        + GcpOptions.ALLOW_FROM + "), e.g. 203.0.113.7/32", e);
            }
        };
    }
}
