package dev.jcloud.provisioner.net;

import dev.jcloud.provisioner.ProvisionException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The caller's public address, the default of a provider's {@code allow-from} option. A seam:
 * tests, and callers behind a known NAT, pass a fixed CIDR instead.
 */
@FunctionalInterface
public interface CallerAddress {

    /** The caller's address as a CIDR block, e.g. {@code 203.0.113.7/32}. */
    String cidr();

    /**
     * A fixed CIDR (tests, or a caller that knows its address), checked with {@link Cidrs#check}.
     *
     * @param option the provider's allow-from option (e.g. {@code gcp.allow-from}), named by errors
     */
    static CallerAddress fixed(String option, String cidr) {
        Cidrs.check(option, cidr);
        return () -> cidr;
    }

    /**
     * Asks a plain "what is my IP" endpoint (AWS's {@code checkip.amazonaws.com}, which answers
     * anyone with the address only; nothing about the caller is sent) each time {@link #cidr()}
     * is called. Fails with a {@link ProvisionException} telling to pass {@code --allow-from}.
     *
     * @param option the provider's allow-from option (e.g. {@code azure.allow-from}), named by errors
     */
    static CallerAddress detect(String option) {
        return () -> {
            try {
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("https://checkip.amazonaws.com"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return Cidrs.check(option, r.body().strip() + "/32");
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ProvisionException(
                        "could not detect this machine's public address (" + e.getMessage()
                                + "): give the addresses allowed to reach the scheduler with --allow-from (" + option
                                + "), e.g. 203.0.113.7/32",
                        e);
            }
        };
    }
}
