package dev.jcloud.engine.security;

import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.internal.join.KeyMaterial;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's certificate authority, the one place jcloud makes certificates: the user's machine
 * for {@code cluster up} clusters, a scheduler admitting joiners for fixed ones. EC P-256 keys from
 * the JDK, SHA256withECDSA, certificates built with BouncyCastle (nothing shells out to openssl),
 * backdated an hour so a machine whose clock is a little behind accepts them at once.
 */
public final class CertificateAuthority {

    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = requireNonNull(certificate, "certificate is null");
        this.key = requireNonNull(key, "key is null");
    }

    /** A new CA named {@code commonName}, valid for {@code validity}; it may sign leaves only. */
    public static CertificateAuthority create(String commonName, Duration validity) {
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        X500Name name = name(commonName);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    name,
                    serial(),
                    Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)),
                    name,
                    pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(sign(b, pair.getPrivate()), pair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make the CA " + commonName + ": " + e, e);
        }
    }

    /** The CA with this certificate and key (e.g. read back from its files). */
    public static CertificateAuthority of(X509Certificate certificate, PrivateKey key) {
        return new CertificateAuthority(certificate, key);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return key;
    }

    /**
     * A certificate for {@code subjectKey} named {@code commonName}, valid for the host names and
     * IP literals in {@code names}. {@code server} certificates (schedulers, workers: they serve
     * peers) are valid for both ends of a connection, others only for the client end.
     */
    public X509Certificate issue(
            PublicKey subjectKey, String commonName, Collection<String> names, boolean server, Duration validity) {
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    certificate,
                    serial(),
                    Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(validity)),
                    name(commonName),
                    subjectKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    server
                            ? new ExtendedKeyUsage(
                                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                            : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(names));
            }
            return sign(b, key);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName + ": " + e, e);
        }
    }

    /** A new EC P-256 key pair. */
    public static KeyPair newKeyPair() {
        return KeyMaterial.newKeyPair();
    }

    /** {@code cert} as PEM. */
    public static String pem(X509Certificate cert) {
        return KeyMaterial.pem(cert);
    }

    /** {@code key} as PKCS#8 PEM, what gRPC's Netty TLS reads. */
    public static String pem(PrivateKey key) {
        return KeyMaterial.pem(key);
    }

    /** DER bytes as a PEM block of {@code type}, 64 characters a line. */
    public static String pem(String type, byte[] der) {
        return KeyMaterial.pem(type, der);
    }

    private static GeneralNames subjectAltNames(Collection<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
            names.add(
                    isIpLiteral(h)
                            ? new GeneralName(GeneralName.iPAddress, h)
                            : new GeneralName(GeneralName.dNSName, h));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static boolean isIpLiteral(String host) {
        if (host.contains(":")) {
            return true; // IPv6
        }
        if (!host.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(host); // a literal: no lookup happens
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "jcloud")
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static BigInteger serial() {
        return new BigInteger(159, RANDOM);
    }
}
