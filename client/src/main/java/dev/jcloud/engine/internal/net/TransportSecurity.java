package dev.jcloud.engine.internal.net;

import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * How engine connections are secured. Plaintext and mutual TLS build channels and servers through
 * the same code ({@link Transports}); only the credentials differ, so turning TLS on changes no
 * protocol code.
 */
public final class TransportSecurity {

    private final File certChain;
    private final File privateKey;
    private final File trustedCa;
    private final String serverName;
    /** The same material held in memory (PEM) instead of files: parties that joined with a token. */
    private final byte[] certPem;

    private final byte[] keyPem;
    private final byte[] caPem;
    /**
     * Set on a scheduler admitting parties with a join token: this service is served to clients
     * without a certificate, everything else still requires one (see {@link CertificateRequired}).
     */
    private final BindableService admission;

    private TransportSecurity(File certChain, File privateKey, File trustedCa, String serverName) {
        this(certChain, privateKey, trustedCa, serverName, null, null, null, null);
    }

    private TransportSecurity(
            File certChain,
            File privateKey,
            File trustedCa,
            String serverName,
            byte[] certPem,
            byte[] keyPem,
            byte[] caPem,
            BindableService admission) {
        this.certChain = certChain;
        this.privateKey = privateKey;
        this.trustedCa = trustedCa;
        this.serverName = serverName;
        this.certPem = certPem;
        this.keyPem = keyPem;
        this.caPem = caPem;
        this.admission = admission;
    }

    /** No encryption: for loopback clusters only. */
    public static TransportSecurity plaintext() {
        return new TransportSecurity(null, null, null, null);
    }

    /** Mutual TLS: this party presents {@code certChain}/{@code privateKey} and trusts only {@code trustedCa}. */
    public static TransportSecurity mutualTls(File certChain, File privateKey, File trustedCa) {
        return new TransportSecurity(certChain, privateKey, trustedCa, null);
    }

    /**
     * Mutual TLS where every peer's certificate names the cluster ({@code serverName}) rather than
     * an address: cloud machines get their addresses after their certificates are issued. The
     * per-cluster CA is what admits a peer; the name is checked instead of the address dialled.
     */
    public static TransportSecurity mutualTls(File certChain, File privateKey, File trustedCa, String serverName) {
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("the TLS server name must not be blank");
        }
        return new TransportSecurity(certChain, privateKey, trustedCa, serverName);
    }

    /**
     * Mutual TLS with material held in memory (PEM; the key PKCS#8), as {@link #mutualTls(File,
     * File, File, String)}: what a party that joined with a token received never touches a disk.
     */
    public static TransportSecurity mutualTlsPem(byte[] certPem, byte[] keyPem, byte[] caPem, String serverName) {
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("the TLS server name must not be blank");
        }
        return new TransportSecurity(
                null, null, null, serverName, certPem.clone(), keyPem.clone(), caPem.clone(), null);
    }

    /**
     * This (server) security, where a client may also connect without a certificate, but then
     * only to call {@code admission} (the join service); every other call without a certificate
     * of the cluster's CA is refused and logged. A certificate of another CA still fails the
     * handshake.
     */
    public TransportSecurity admitting(BindableService admission) {
        if (!isTls()) {
            throw new IllegalStateException("admission needs TLS");
        }
        return new TransportSecurity(certChain, privateKey, trustedCa, serverName, certPem, keyPem, caPem, admission);
    }

    /** The service served without a client certificate, or null (a certificate is always required). */
    BindableService admission() {
        return admission;
    }

    /** The name peers' certificates must carry instead of their address, or null (check the address). */
    String serverName() {
        return serverName;
    }

    public boolean isTls() {
        return certChain != null || certPem != null;
    }

    private static InputStream open(File file, byte[] pem) throws IOException {
        return pem != null ? new ByteArrayInputStream(pem) : new FileInputStream(file);
    }

    ChannelCredentials channelCredentials() {
        if (!isTls()) {
            return InsecureChannelCredentials.create();
        }
        try (InputStream cert = open(certChain, certPem);
                InputStream key = open(privateKey, keyPem);
                InputStream ca = open(trustedCa, caPem)) {
            return TlsChannelCredentials.newBuilder()
                    .keyManager(cert, key)
                    .trustManager(ca)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        }
    }

    /**
     * A TLS context for an HTTPS server with this party's certificate and key (the dashboard port,
     * whose clients authenticate with a token, not a certificate), or null without TLS.
     */
    public javax.net.ssl.SSLContext httpsServerContext() {
        if (!isTls()) {
            return null;
        }
        try (InputStream cert = open(certChain, certPem);
                InputStream key = open(privateKey, keyPem)) {
            java.security.cert.Certificate[] chain = java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(cert)
                    .toArray(new java.security.cert.Certificate[0]);
            java.security.PrivateKey privateKey = pkcs8(
                    new String(key.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII),
                    chain[0].getPublicKey().getAlgorithm());
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("server", privateKey, none, chain);
            javax.net.ssl.KeyManagerFactory kmf =
                    javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        } catch (java.security.GeneralSecurityException e) {
            // Only the kind of problem: never key bytes.
            throw new IllegalStateException(
                    "unusable TLS material for the dashboard: " + e.getClass().getSimpleName(), e);
        }
    }

    private volatile javax.net.ssl.SSLContext bulkContext;

    /**
     * The TLS context of this party's bulk data connections (see the data package's
     * {@code BulkProtocol}): its certificate and key, and only the cluster's CA trusted, as on its
     * gRPC connections; null without TLS. Built once.
     */
    public javax.net.ssl.SSLContext bulkContext() {
        if (!isTls()) {
            return null;
        }
        javax.net.ssl.SSLContext context = bulkContext;
        if (context != null) {
            return context;
        }
        try (InputStream cert = open(certChain, certPem);
                InputStream key = open(privateKey, keyPem);
                InputStream ca = open(trustedCa, caPem)) {
            java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
            java.security.cert.Certificate[] chain =
                    x509.generateCertificates(cert).toArray(new java.security.cert.Certificate[0]);
            java.security.PrivateKey privateKey = pkcs8(
                    new String(key.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII),
                    chain[0].getPublicKey().getAlgorithm());
            char[] none = new char[0];
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("self", privateKey, none, chain);
            javax.net.ssl.KeyManagerFactory kmf =
                    javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate c : x509.generateCertificates(ca)) {
                trusted.setCertificateEntry("ca-" + i++, c);
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            bulkContext = context;
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(
                    "unusable TLS material for the bulk data path: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    private static java.security.PrivateKey pkcs8(String pem, String algorithm)
            throws java.security.GeneralSecurityException {
        String type = "PRIVATE KEY"; // PKCS#8, what gRPC's Netty TLS reads too
        String begin = "-----BEGIN " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END " + type + "-----");
        if (from < 0 || to < from) {
            throw new java.security.spec.InvalidKeySpecException("not a PKCS#8 PEM private key");
        }
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        return java.security.KeyFactory.getInstance(algorithm)
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
    }

    ServerCredentials serverCredentials() {
        if (!isTls()) {
            return InsecureServerCredentials.create();
        }
        try (InputStream cert = open(certChain, certPem);
                InputStream key = open(privateKey, keyPem)) {
            return TlsServerCredentials.newBuilder()
                    .keyManager(cert, key)
                    .trustManager(
                            caPem != null
                                    ? ClientCertificateCheck.forCa(caPem)
                                    : ClientCertificateCheck.forCa(trustedCa))
                    // OPTIONAL only where the join service must be reachable without a certificate;
                    // CertificateRequired then refuses every other call that presented none.
                    .clientAuth(
                            admission != null
                                    ? TlsServerCredentials.ClientAuth.OPTIONAL
                                    : TlsServerCredentials.ClientAuth.REQUIRE)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        }
    }
}
