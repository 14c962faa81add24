package dev.jcloud.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.join.Joined;
import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.engine.proto.JoinReply;
import dev.jcloud.engine.proto.JoinRequest;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler's and the joiner's checks of {@link JoinProtocol}, without a network. */
class JoinProtocolTest {

    private static final String HOST = "192.0.2.7";

    @TempDir
    Path dir;

    private JoinToken token;
    private ClusterAuthority authority;
    private X509Certificate schedulerCert;
    private byte[] fingerprint;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private JoinService service;

    @BeforeEach
    void setUp() throws Exception {
        token = token("a-join-token-of-enough-length-0123456789");
        authority = ClusterAuthority.create("test.cluster.jcloud");
        schedulerCert = authority.issue(ClusterAuthority.newKeyPair().getPublic(), "jcloud scheduler", true);
        fingerprint = JoinProtocol.fingerprint(schedulerCert.getEncoded());
        service = new JoinService(token, authority, schedulerCert, clock::get);
    }

    private JoinToken token(String text) throws IOException {
        Path f = Files.createTempFile(dir, "token", "");
        Files.writeString(f, text);
        return JoinToken.read(f, "--join-token-file");
    }

    private static JoinRequest request(
            JoinToken token, String role, byte[] publicKey, byte[] nonce, byte[] fingerprint) {
        return JoinRequest.newBuilder()
                .setRole(role)
                .setPublicKey(ByteString.copyFrom(publicKey))
                .setNonce(ByteString.copyFrom(nonce))
                .setProof(ByteString.copyFrom(
                        JoinProtocol.requestProof(token.secret(), role, publicKey, nonce, fingerprint)))
                .setName("w-1")
                .build();
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        Arrays.fill(n, (byte) 9);
        return n;
    }

    private Status.Code refusal(JoinRequest r) {
        try {
            service.admit(r, HOST);
            return Status.Code.OK;
        } catch (StatusException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void aJoinerWithTheTokenGetsACertificateOfTheCaForItsOwnKey() throws Exception {
        KeyPair pair = ClusterAuthority.newKeyPair();
        byte[] key = pair.getPublic().getEncoded();
        JoinReply reply = service.admit(request(token, "worker", key, nonce(), fingerprint), HOST);

        Joined joined = Joiner.accept(reply, token.secret(), pair, nonce(), "scheduler:8786");
        assertThat(joined.serverName()).isEqualTo("test.cluster.jcloud");
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        X509Certificate cert = (X509Certificate) f.generateCertificate(
                new java.io.ByteArrayInputStream(reply.getCertificate().toByteArray()));
        cert.verify(authority.certificate().getPublicKey());
        assertThat(cert.getPublicKey().getEncoded()).isEqualTo(key);
        assertThat(cert.getSubjectAlternativeNames().stream()
                        .map(l -> (Object) l.get(1))
                        .toList())
                .containsExactly("test.cluster.jcloud");
        assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(joined.security().isTls()).isTrue();
    }

    @Test
    void aProofMadeForAnotherServerCertificateIsRefused() throws Exception {
        // What a man in the middle relays: the joiner bound its proof to the relay's certificate.
        X509Certificate relays = ClusterAuthority.create("mitm")
                .issue(ClusterAuthority.newKeyPair().getPublic(), "x", true);
        byte[] key = ClusterAuthority.newKeyPair().getPublic().getEncoded();
        JoinRequest relayed = request(token, "worker", key, nonce(), JoinProtocol.fingerprint(relays.getEncoded()));
        assertThatThrownBy(() -> service.admit(relayed, HOST)).isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("does not match this cluster's join token");
        });
    }

    @Test
    void aWrongTokenOrAnotherRoleIsRefused() throws Exception {
        byte[] key = ClusterAuthority.newKeyPair().getPublic().getEncoded();
        assertThat(refusal(request(
                        token("another-token-of-enough-length-0123456789"), "worker", key, nonce(), fingerprint)))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        JoinRequest asClient = request(token, "client", key, nonce(), fingerprint);
        JoinRequest turnedIntoWorker = asClient.toBuilder().setRole("worker").build();
        assertThat(refusal(turnedIntoWorker)).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void hostileRequestsAreRefusedWithoutHarm() throws Exception {
        byte[] key = ClusterAuthority.newKeyPair().getPublic().getEncoded();
        JoinRequest good = request(token, "worker", key, nonce(), fingerprint);
        byte[] huge = new byte[8 << 20];
        assertThat(refusal(JoinRequest.getDefaultInstance())).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(
                        good.toBuilder().setPublicKey(ByteString.copyFrom(huge)).build()))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(good.toBuilder().setNonce(ByteString.copyFrom(huge)).build()))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(good.toBuilder().setProof(ByteString.copyFrom(huge)).build()))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(good.toBuilder().setName("x".repeat(100_000)).build()))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(good.toBuilder().setName("evil\nname").build())).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refusal(good.toBuilder().setRole("scheduler").build())).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // Garbage instead of a key, with a valid proof over that garbage: refused, nothing issued.
        byte[] garbage = "-----BEGIN CERTIFICATE REQUEST----- not one".getBytes();
        assertThat(refusal(request(token, "worker", garbage, nonce(), fingerprint)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        // An RSA key is not the P-256 key the protocol asks for.
        var rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        byte[] rsaKey = rsa.generateKeyPair().getPublic().getEncoded();
        assertThat(refusal(request(token, "worker", rsaKey, nonce(), fingerprint)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        clock.addAndGet(JoinAttempts.WINDOW_NANOS); // the failures above are over the rate limit
        assertThat(refusal(good)).isEqualTo(Status.Code.OK);
    }

    @Test
    void failedAttemptsAreRateLimitedPerSourceUntilTheWindowEnds() throws Exception {
        byte[] key = ClusterAuthority.newKeyPair().getPublic().getEncoded();
        JoinRequest wrong =
                request(token("another-token-of-enough-length-0123456789"), "worker", key, nonce(), fingerprint);
        JoinRequest good = request(token, "worker", key, nonce(), fingerprint);
        for (int i = 0; i < JoinAttempts.PER_HOST; i++) {
            assertThat(refusal(wrong)).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        assertThat(refusal(good)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(service.admit(good, "198.51.100.1").getCertificate().isEmpty())
                .isFalse(); // others are not
        clock.addAndGet(JoinAttempts.WINDOW_NANOS);
        assertThat(refusal(good)).isEqualTo(Status.Code.OK);
    }

    @Test
    void failuresFromManySourcesNeverLockOutAMemberThatHasNotFailed() throws Exception {
        byte[] key = ClusterAuthority.newKeyPair().getPublic().getEncoded();
        JoinRequest wrong =
                request(token("another-token-of-enough-length-0123456789"), "worker", key, nonce(), fingerprint);
        int sources = JoinAttempts.TOTAL / JoinAttempts.PER_HOST + 5;
        for (int h = 0; h < sources; h++) {
            for (int i = 0; i < JoinAttempts.PER_HOST; i++) {
                String attacker = "203.0.113." + h;
                assertThatThrownBy(() -> service.admit(wrong, attacker)).isInstanceOf(StatusException.class);
            }
        }
        assertThat(service.admit(request(token, "worker", key, nonce(), fingerprint), "198.51.100.7")
                        .getCertificate()
                        .isEmpty())
                .isFalse();
    }

    @Test
    void theRateLimiterRemembersABoundedNumberOfSources() {
        JoinAttempts attempts = new JoinAttempts(clock::get);
        for (int i = 0; i < 3 * JoinAttempts.MAX_HOSTS; i++) {
            attempts.check("10.0." + (i >> 8) + "." + (i & 255));
        }
        assertThat(attempts.rememberedHosts()).isEqualTo(JoinAttempts.MAX_HOSTS);
    }

    @Test
    void theJoinerTrustsNothingFromASchedulerThatCannotProveTheToken() throws Exception {
        KeyPair pair = ClusterAuthority.newKeyPair();
        JoinReply reply =
                service.admit(request(token, "client", pair.getPublic().getEncoded(), nonce(), fingerprint), HOST);
        JoinReply forged =
                reply.toBuilder().setProof(ByteString.copyFrom(new byte[32])).build();
        assertThatThrownBy(() -> Joiner.accept(forged, token.secret(), pair, nonce(), "s:1"))
                .isInstanceOf(Joiner.JoinFailedException.class)
                .hasMessageContaining("could not prove it holds this cluster's join token");
        byte[] otherNonce = new byte[32];
        assertThatThrownBy(() -> Joiner.accept(reply, token.secret(), pair, otherNonce, "s:1"))
                .isInstanceOf(Joiner.JoinFailedException.class);
        KeyPair another = ClusterAuthority.newKeyPair();
        assertThatThrownBy(() -> Joiner.accept(reply, token.secret(), another, nonce(), "s:1"))
                .isInstanceOf(Joiner.JoinFailedException.class)
                .hasMessageContaining("another key");
    }
}
