package dev.jcloud.provisioner.tls;

import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.security.CertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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
    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final Path dir;
    private final CertificateAuthority ca;

    private ClusterTrust(Path dir, CertificateAuthority ca) {
        this.dir = dir;
        this.ca = ca;
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
        CertificateAuthority ca = CertificateAuthority.create("jcloud cluster CA " + clusterName, CA_VALIDITY);
        PemFiles.writeSecret(dir.resolve("ca-key.pem"), CertificateAuthority.pem(ca.privateKey()));
        PemFiles.writePublic(dir.resolve("ca.pem"), CertificateAuthority.pem(ca.certificate()));
        ClusterTrust trust = new ClusterTrust(dir, ca);
        Set<String> hosts = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
        hosts.addAll(schedulerHosts);
        trust.issue("scheduler", "jcloud scheduler " + clusterName, hosts, true);
        trust.issue("client", "jcloud client " + clusterName, List.of(), false);
        DashboardLogin.create(dir);
        return trust;
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
        trust.issue("worker", "jcloud workers " + clusterName, List.of(member), true);
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
            byte[] der =
                    PemFiles.der(Files.readString(dir.resolve("ca-key.pem"), StandardCharsets.US_ASCII), "PRIVATE KEY");
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            return new ClusterTrust(dir, CertificateAuthority.of(cert, key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster CA in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // The message never includes key bytes: only what kind of problem it is.
            throw new IllegalStateException(
                    "the cluster CA in " + dir + " is unreadable: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** The files a party with a certificate called {@code stem} uses, whether or not they exist yet. */
    public static TlsFiles files(Path dir, String stem) {
        String serverName = null;
        Path nameFile = dir.resolve(SERVER_NAME_FILE);
        if (Files.isRegularFile(nameFile)) {
            try {
                serverName =
                        Files.readString(nameFile, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + nameFile + ": " + e.getMessage(), e);
            }
        }
        return new TlsFiles(
                dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"), dir.resolve("ca.pem"), serverName);
    }

    /** The client's files in {@code dir}: what another program needs to connect to the cluster. */
    public static TlsFiles clientFiles(Path dir) {
        return files(dir, "client");
    }

    public Path directory() {
        return dir;
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
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
            throw new IllegalArgumentException(
                    "worker name must be lower-case letters, digits and '-' (was '" + name + "')");
        }
        Set<String> all = new LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
        all.addAll(hosts);
        return issue("worker-" + name, "jcloud worker " + name, all, true);
    }

    private TlsFiles issue(String stem, String commonName, Collection<String> hosts, boolean server) {
        KeyPair pair = CertificateAuthority.newKeyPair();
        X509Certificate cert = ca.issue(pair.getPublic(), commonName, hosts, server, LEAF_VALIDITY);
        TlsFiles files = files(dir, stem);
        PemFiles.writeSecret(files.privateKey(), CertificateAuthority.pem(pair.getPrivate()));
        PemFiles.writePublic(files.certificate(), CertificateAuthority.pem(cert));
        return files;
    }
}
