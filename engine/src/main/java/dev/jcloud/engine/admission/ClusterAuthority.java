package dev.jcloud.engine.admission;

import dev.jcloud.engine.security.CertificateAuthority;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * The CA a scheduler admitting joiners makes for itself when it starts; it lives only in that
 * process's memory. Every certificate carries the cluster's member name instead of an address
 * (machines' addresses are not known to the certificates' issuer), which peers check instead of
 * the address they dial.
 */
final class ClusterAuthority {

    /**
     * Long enough for a fixed cluster's working life without rotation (not implemented); the CA
     * itself ends with the scheduler process.
     */
    static final Duration LEAF_VALIDITY = Duration.ofDays(30);

    private static final Duration CA_VALIDITY = Duration.ofDays(31);

    private final String serverName;
    private final CertificateAuthority ca;

    private ClusterAuthority(String serverName, CertificateAuthority ca) {
        this.serverName = serverName;
        this.ca = ca;
    }

    /** A new CA whose certificates carry {@code serverName}. */
    static ClusterAuthority create(String serverName) {
        return new ClusterAuthority(
                serverName, CertificateAuthority.create("jcloud join CA " + serverName, CA_VALIDITY));
    }

    String serverName() {
        return serverName;
    }

    X509Certificate certificate() {
        return ca.certificate();
    }

    /**
     * A certificate for {@code key}: {@code server} ones (scheduler, workers, which serve peers)
     * are valid for both ends of a connection, clients' only for the client end.
     */
    X509Certificate issue(PublicKey key, String commonName, boolean server) {
        return ca.issue(key, commonName, List.of(serverName), server, LEAF_VALIDITY);
    }

    static KeyPair newKeyPair() {
        return CertificateAuthority.newKeyPair();
    }

    static byte[] certificatePem(X509Certificate cert) {
        return CertificateAuthority.pem(cert).getBytes(StandardCharsets.US_ASCII);
    }

    /** PKCS#8, what gRPC's Netty TLS reads. */
    static byte[] privateKeyPem(PrivateKey key) {
        return CertificateAuthority.pem(key).getBytes(StandardCharsets.US_ASCII);
    }
}
