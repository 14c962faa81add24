package dev.jcloud.engine.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * HTTPS clients of a cluster's dashboard port, which serves the scheduler's certificate: they
 * trust only the cluster's CA and check the name the cluster's certificates carry
 * ({@code --tls-server-name}) instead of the address dialled, since cloud machines get their
 * addresses after their certificates are made. Nothing else is trusted, so a token sent over
 * such a client reaches only the cluster's own scheduler.
 */
public final class ClusterHttps {

    private ClusterHttps() {}

    /**
     * A client trusting only the CA in {@code caPem}; with {@code serverName} non-null the server's
     * certificate must name it, otherwise a certificate of that CA is enough (local clusters).
     */
    public static HttpClient client(Path caPem, String serverName, Duration connectTimeout) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new ClusterTrustManager(caTrust(caPem), serverName)}, null);
            return HttpClient.newBuilder()
                    .sslContext(context)
                    .connectTimeout(connectTimeout)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot set up TLS for the dashboard: " + e.getClass().getSimpleName(), e);
        }
    }

    private static X509TrustManager caTrust(Path caPem) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(caPem)) {
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster CA " + caPem + ": " + e.getMessage(), e);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** The chain must lead to the cluster CA, and the leaf must carry the cluster's name. */
    private static final class ClusterTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager ca;
        private final String serverName;

        ClusterTrustManager(X509TrustManager ca, String serverName) {
            this.ca = ca;
            this.serverName = serverName;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkServerTrusted(chain, authType);
            if (serverName != null && !names(chain[0]).contains(serverName)) {
                throw new CertificateException(
                        "the dashboard's certificate does not name " + serverName + " (not this cluster's scheduler)");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client-side trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.getAcceptedIssuers();
        }

        private static List<String> names(X509Certificate leaf) throws CertificateParsingException {
            Collection<List<?>> alt = leaf.getSubjectAlternativeNames();
            return alt == null
                    ? List.of()
                    : alt.stream().map(n -> String.valueOf(n.get(1))).toList();
        }
    }
}
