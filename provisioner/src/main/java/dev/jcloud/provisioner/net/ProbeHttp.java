package dev.jcloud.provisioner.net;

import java.net.http.HttpClient;
import java.time.Duration;

/** The probe's HTTP client, made on first use: every CLI command loads the providers, few wait for a scheduler. */
final class ProbeHttp {

    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ProbeHttp() {
    }
}
