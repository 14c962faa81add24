package dev.jcloud.provisioner.net;

import java.net.http.HttpClient;
import java.time.Duration;

/** The probe's HTTP client, made on first use: every CLI command loads the providers, few wait for a scheduler. */
final class ProbeHttp {

    static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * For the liveness question alone on a dashboard that speaks HTTPS with the cluster's own
     * certificate, which a provider waiting for a machine cannot check yet: it accepts any
     * certificate, so nothing but the bare request may ever be sent with it (no token, no cookie).
     */
    static final HttpClient ANY_CERTIFICATE = anyCertificate();

    private static HttpClient anyCertificate() {
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(
                    null,
                    new javax.net.ssl.TrustManager[] {
                        new javax.net.ssl.X509ExtendedTrustManager() {
                            @Override
                            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

                            @Override
                            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

                            @Override
                            public void checkClientTrusted(
                                    java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {}

                            @Override
                            public void checkServerTrusted(
                                    java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {}

                            @Override
                            public void checkClientTrusted(
                                    java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}

                            @Override
                            public void checkServerTrusted(
                                    java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}

                            @Override
                            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                return new java.security.cert.X509Certificate[0];
                            }
                        }
                    },
                    null);
            return HttpClient.newBuilder()
                    .sslContext(context)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    private ProbeHttp() {}
}
