package dev.jcloud.engine.internal.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server side's trust: only certificates issued by the cluster CA. It remembers why it last
 * rejected a client certificate (whose it was, and the reason), so that the one log line of a
 * refused connection ({@link TlsRefusals}) can name it; gRPC's own report has no such detail.
 */
final class ClientCertificateCheck extends X509ExtendedTrustManager {

    /** A rejection older than this belongs to another connection. */
    private static final long RECENT_NANOS = 2_000_000_000L;

    private static final AtomicReference<Rejection> LAST = new AtomicReference<>();

    private record Rejection(String why, long atNanos) {}

    private final X509ExtendedTrustManager delegate;

    private ClientCertificateCheck(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** A trust manager accepting exactly the certificates issued by the CA(s) in {@code caFile}. */
    static TrustManager forCa(java.io.File caFile) {
        try (InputStream in = Files.newInputStream(caFile.toPath())) {
            return forCa(in, "the CA file " + caFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #forCa(java.io.File)}, with the CA certificate(s) in memory (PEM). */
    static TrustManager forCa(byte[] caPem) {
        try {
            return forCa(new java.io.ByteArrayInputStream(caPem), "the cluster CA");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TrustManager forCa(InputStream in, String what) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException("no certificate in " + what);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return new ClientCertificateCheck(x);
                }
            }
            throw new IllegalStateException("this JDK has no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(what + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** Why a client certificate was rejected in the last moments, or null. */
    static String recentRejection() {
        Rejection r = LAST.getAndSet(null);
        return r != null && System.nanoTime() - r.atNanos() < RECENT_NANOS ? r.why() : null;
    }

    private void check(X509Certificate[] chain, Check check) throws CertificateException {
        try {
            check.run();
        } catch (CertificateException e) {
            String subject = chain == null || chain.length == 0
                    ? "none"
                    : chain[0].getSubjectX500Principal().getName();
            String issuer = chain == null || chain.length == 0
                    ? "none"
                    : chain[0].getIssuerX500Principal().getName();
            LAST.set(new Rejection(
                    "client certificate '" + subject + "' issued by '" + issuer + "' is not from this cluster's CA",
                    System.nanoTime()));
            throw e;
        }
    }

    private interface Check {
        void run() throws CertificateException;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, () -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, () -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
