package dev.jcloud.providers.azure;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate for 127.0.0.1 made when the test starts (never stored), the server's TLS context
 * holding it and a client context trusting exactly it. The Azure SDK sends bearer tokens only over
 * HTTPS, so the fake Resource Manager must speak TLS.
 */
final class FakeTls {

    private final SSLContext server;
    private final SSLContext client;
    private final X509Certificate certificate;
    private final java.security.PrivateKey privateKey;

    FakeTls() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = g.generateKeyPair();
            X500Name subject = new X500Name("CN=fake-azure-resource-manager");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    subject,
                    new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    subject,
                    keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(
                        GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
                new GeneralName(GeneralName.dNSName, "localhost"),
                // Key Vault data planes, for a client that resolves NAME.vault.azure.net to 127.0.0.1.
                new GeneralName(GeneralName.dNSName, "*.vault.azure.net")
            }));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            certificate = cert;
            privateKey = keys.getPrivate();

            char[] password = "in-memory".toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", keys.getPrivate(), password, new X509Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            server = SSLContext.getInstance("TLS");
            server.init(kmf.getKeyManagers(), null, null);

            KeyStore trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, null);
            trustStore.setCertificateEntry("fake-arm", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the fake's TLS certificate", e);
        }
    }

    SSLContext server() {
        return server;
    }

    /**
     * Writes a PKCS12 trust store holding only the fake's certificate, for a child JVM
     * ({@code -Djavax.net.ssl.trustStore=FILE -Djavax.net.ssl.trustStorePassword=PASSWORD}).
     */
    void writeTrustStore(java.nio.file.Path file, String password) {
        try (var out = java.nio.file.Files.newOutputStream(file)) {
            KeyStore trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, null);
            trustStore.setCertificateEntry("fake-arm", certificate);
            trustStore.store(out, password.toCharArray());
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the fake's trust store", e);
        }
    }

    /**
     * Writes the certificate and its private key as PEM files, for a server of another program on
     * 127.0.0.1 that the same client context then trusts (Azurite's {@code --cert}/{@code --key}).
     */
    void writePem(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
        try {
            java.nio.file.Files.writeString(certFile, pem("CERTIFICATE", certificate.getEncoded()));
            java.nio.file.Files.writeString(keyFile, pem("PRIVATE KEY", privateKey.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the fake's certificate and key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Trusts the fake's certificate and nothing else. */
    SSLContext client() {
        return client;
    }
}
