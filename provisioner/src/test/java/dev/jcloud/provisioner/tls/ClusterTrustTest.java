package dev.jcloud.provisioner.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.EngineCommand;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTrustTest {

    @TempDir
    Path dir;

    @Test
    void createsACaAndCertificatesItSignsWithOwnerOnlyKeys() throws Exception {
        ClusterTrust trust = ClusterTrust.create(dir.resolve("tls"), "demo", List.of("10.0.0.5", "sched.example"));
        TlsFiles worker = ClusterTrust.load(dir.resolve("tls")).issueWorker("demo-worker-1", List.of("10.0.0.6"));

        X509Certificate ca = read(trust.scheduler().ca());
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
        for (TlsFiles f : List.of(trust.scheduler(), trust.client(), worker)) {
            X509Certificate cert = read(f.certificate());
            cert.verify(ca.getPublicKey()); // issued by this cluster's CA
            assertThat(cert.getBasicConstraints()).isEqualTo(-1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.privateKey())))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(f.privateKey())).startsWith("-----BEGIN " + "PRIVATE KEY-----");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls/ca-key.pem"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls"))))
                .isEqualTo("rwx------");
        assertThat(read(trust.scheduler().certificate()).getSubjectAlternativeNames())
                .extracting(n -> (Object) String.valueOf(n.get(1)))
                .contains("127.0.0.1", "localhost", "10.0.0.5", "sched.example");
        assertThat(read(worker.certificate()).getSubjectAlternativeNames())
                .extracting(n -> (Object) String.valueOf(n.get(1)))
                .contains("10.0.0.6");
        assertThat(read(trust.client().certificate()).getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    }

    @Test
    void engineFlagsCarryPathsOnlyAndTheOptionTurnsTlsOn() {
        ClusterTrust trust = ClusterTrust.create(dir.resolve("tls"), "demo", List.of());
        List<String> args = trust.scheduler().applyTo(EngineCommand.scheduler()).arguments();
        assertThat(args).contains("--tls-cert", "--tls-key", "--tls-ca").allMatch(a -> !a.contains("PRIVATE KEY"));
        assertThat(ClusterTrust.enabled(Map.of("tls", "true"))).isTrue();
        assertThat(ClusterTrust.enabled(Map.of())).isFalse();
    }

    @Test
    void refusesWorkerNamesThatCouldEscapeTheDirectory() {
        ClusterTrust trust = ClusterTrust.create(dir.resolve("tls"), "demo", List.of());
        assertThatThrownBy(() -> trust.issueWorker("../evil", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker name");
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
