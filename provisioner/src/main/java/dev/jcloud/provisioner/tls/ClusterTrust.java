package dev.jcloud.provisioner.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
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
 * A cluster's own trust: a CA made for this one cluster (EC P-256) and the certificates it issues
 * to the scheduler, the user's client and each worker. Engine parties trust only this CA, so a
 * certificate of another cluster, or of any public CA, does not get in.
 *
 * <p>Files live in one owner-only directory (mode 0700) under the cluster's state directory:
 * {@code ca.pem}, {@code ca-key.pem}, {@code scheduler.pem}/{@code scheduler-key.pem},
 * {@code client.pem}/{@code client-key.pem} and {@code worker-NAME.pem}/{@code worker-NAME-key.pem}.
 * Every private key file has mode 0600. Keys are generated with the JDK's providers and
 * certificates built with BouncyCastle; nothing shells out to openssl.
 */
public final class ClusterTrust {

    /** The cluster request option that turns mutual TLS on ({@code "true"}). */
    public static final String OPTION = "tls";
    /** The sub-directory of a cluster's state directory holding its TLS files. */
    public static final String DIRECTORY = "tls";
    /** File in the TLS directory holding {@link #memberName} for cloud clusters. */
    public static final String SERVER_NAME_FILE = "server-name";

    /** Leaf certificates outlive any sane cluster; the CA a little longer, so leaves never outlive it. */
    private static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    private static final Duration CA_VALIDITY = Duration.ofDays(366);
    /** Backdated so that a machine whose clock is a little behind accepts them at once. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Certificate caCert;
    private final PrivateKey caKey;

    private ClusterTrust(Path dir, X509Certificate caCert, PrivateKey caKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
    }

    /** True when the cluster options ask for mutual TLS. */
    public static boolean enabled(Map<String, String> options) {
        return Boolean.parseBoolean(options.getOrDefault(OPTION, "false"));
    }

    /**
     * Creates a new CA in {@code dir} (replacing any earlier material there), the scheduler's
     * certificate valid for 127.0.0.1, localhost and {@code schedulerHosts}, the client's, and the
     * dashboard's token ({@link DashboardLogin}).
     */
    public static ClusterTrust create(Path dir, String clusterName, Collection<String> schedulerHosts) {
        requireNonNull(clusterName, "clusterName is null");
        PemFiles.ownerOnlyDirectory(dir);
        KeyPair ca = newKeyPair();
        Instant now = Instant.now();
        X500Name caName = name("jcloud cluster CA " + clusterName);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), caName, ca.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
            X509Certificate caCert = sign(b, ca.getPrivate());
            PemFiles.writeSecret(dir.resolve("ca-key.pem"), keyPem(ca.getPrivate()));
            PemFiles.writePublic(dir.resolve("ca.pem"), certPem(caCert));
            ClusterTrust trust = new ClusterTrust(dir, caCert, ca.getPrivate());
            Set<String> hosts = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
            hosts.addAll(schedulerHosts);
            trust.issue("scheduler", "jcloud scheduler " + clusterName, hosts, true);
            trust.issue("client", "jcloud client " + clusterName, List.of(), false);
            DashboardLogin.create(dir);
            return trust;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the TLS material of cluster " + clusterName + ": " + e, e);
        }
    }

    /**
     * The name every certificate of cloud cluster {@code clusterId} carries: cloud machines get
     * their addresses after the certificates are made, so peers check this name instead.
     */
    public static String memberName(String clusterId) {
        return clusterId + ".cluster.jcloud";
    }

    /**
     * A new CA in {@code dir} for a cloud cluster: scheduler and client certificates as
     * {@link #create}, one certificate shared by the workers ({@code worker}), all servers named
     * {@link #memberName}; the name is kept in {@code dir/server-name} for the clients.
     */
    public static ClusterTrust createForCloud(Path dir, String clusterName, String clusterId) {
        String member = memberName(clusterId);
        ClusterTrust trust = create(dir, clusterName, List.of(member));
        try {
            trust.issue("worker", "jcloud workers " + clusterName, List.of(member), true);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue the workers' certificate of cluster " + clusterName + ": " + e, e);
        }
        PemFiles.writePublic(dir.resolve(SERVER_NAME_FILE), member + "\n");
        return trust;
    }

    /** The CA already in {@code dir}, to issue more certificates (e.g. for workers added by scaling). */
    public static ClusterTrust load(Path dir) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            X509Certificate cert;
            try (var in = Files.newInputStream(dir.resolve("ca.pem"))) {
                cert = (X509Certificate) cf.generateCertificate(in);
            }
            byte[] der = PemFiles.der(Files.readString(dir.resolve("ca-key.pem"), StandardCharsets.US_ASCII), "PRIVATE KEY");
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            return new ClusterTrust(dir, cert, key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster CA in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // The message never includes key bytes: only what kind of problem it is.
            throw new IllegalStateException("the cluster CA in " + dir + " is unreadable: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The files a party with a certificate called {@code stem} uses, whether or not they exist yet. */
    public static TlsFiles files(Path dir, String stem) {
        String serverName = null;
        Path nameFile = dir.resolve(SERVER_NAME_FILE);
        if (Files.isRegularFile(nameFile)) {
            try {
                serverName = Files.readString(nameFile, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + nameFile + ": " + e.getMessage(), e);
            }
        }
        return new TlsFiles(dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"), dir.resolve("ca.pem"), serverName);
    }

    /** The client's files in {@code dir}: what another program needs to connect to the cluster. */
    public static TlsFiles clientFiles(Path dir) {
        return files(dir, "client");
    }

    public Path directory() {
        return dir;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public TlsFiles scheduler() {
        return files(dir, "scheduler");
    }

    public TlsFiles client() {
        return clientFiles(dir);
    }

    /**
     * A certificate for worker {@code name}, valid as a server (peers fetch its results at
     * {@code hosts}) and as a client (it dials the scheduler and its peers).
     */
    public TlsFiles issueWorker(String name, Collection<String> hosts) {
        if (!NODE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("worker name must be lower-case letters, digits and '-' (was '" + name + "')");
        }
        Set<String> all = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
        all.addAll(hosts);
        try {
            return issue("worker-" + name, "jcloud worker " + name, all, true);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a certificate for worker " + name + ": " + e, e);
        }
    }

    private TlsFiles issue(String stem, String commonName, Collection<String> hosts, boolean server)
            throws GeneralSecurityException, IOException {
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(LEAF_VALIDITY)), name(commonName), pair.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, server
                ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
        if (!hosts.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(hosts));
        }
        X509Certificate cert = sign(b, caKey);
        TlsFiles files = files(dir, stem);
        PemFiles.writeSecret(files.privateKey(), keyPem(pair.getPrivate()));
        PemFiles.writePublic(files.certificate(), certPem(cert));
        return files;
    }

    private static GeneralNames subjectAltNames(Collection<String> hosts) {
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
            names.add(isIpLiteral(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    private static boolean isIpLiteral(String host) {
        if (host.contains(":")) {
            return true;   // IPv6
        }
        if (!host.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(host);   // a literal: no lookup happens
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "jcloud").addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        return new BigInteger(159, RANDOM);
    }

    private static String keyPem(PrivateKey key) {
        return PemFiles.pem("PRIVATE KEY", key.getEncoded());   // PKCS#8, what gRPC's Netty TLS reads
    }

    private static String certPem(X509Certificate cert) throws GeneralSecurityException {
        return PemFiles.pem("CERTIFICATE", cert.getEncoded());
    }
}
