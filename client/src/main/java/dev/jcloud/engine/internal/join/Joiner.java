package dev.jcloud.engine.internal.join;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.proto.AdmissionGrpc;
import dev.jcloud.engine.proto.JoinReply;
import dev.jcloud.engine.proto.JoinRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The joiner's side of {@link JoinProtocol}: one Join call over TLS that trusts whatever
 * certificate the scheduler shows but binds the proof to it, then checks the scheduler's proof
 * before trusting the CA it returned.
 */
public final class Joiner {

    private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long RETRY_MILLIS = 2000;

    private Joiner() {}

    /**
     * Joins the scheduler at {@code address} as {@code role}, retrying while it cannot be reached
     * (machines of a Terraform cluster boot together) for at most {@code patience}.
     *
     * @throws JoinFailedException when the scheduler refuses, cannot prove it holds the token, or
     *                             cannot be reached within {@code patience}
     */
    public static Joined join(String address, JoinToken token, String role, String name, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return joinOnce(
                        address, token, role, name, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retry = code == Status.Code.UNAVAILABLE
                        || code == Status.Code.RESOURCE_EXHAUSTED
                        || code == Status.Code.DEADLINE_EXCEEDED;
                if (!retry) {
                    throw new JoinFailedException(
                            "the scheduler at " + address + " refused to admit this " + role + ": "
                                    + e.getStatus().getDescription(),
                            e);
                }
                if (System.nanoTime() + RETRY_MILLIS * 1_000_000 >= deadline) {
                    throw new JoinFailedException(
                            "cannot join the scheduler at " + address + " within "
                                    + patience.toSeconds() + "s: "
                                    + e.getStatus().getCode() + " "
                                    + e.getStatus().getDescription(),
                            e);
                }
                LOG.info("joining {}: {}; trying again", address, e.getStatus().getCode());
                sleep(RETRY_MILLIS);
            }
        }
    }

    private static Joined joinOnce(String address, JoinToken token, String role, String name, Duration timeout) {
        AtomicReference<X509Certificate> shown = new AtomicReference<>();
        ManagedChannel channel;
        try {
            channel = NettyChannelBuilder.forTarget(
                            address,
                            TlsChannelCredentials.newBuilder()
                                    .trustManager(new ServerCertificateRecorder(shown))
                                    .build())
                    .maxInboundMessageSize(1 << 20)
                    .build();
        } catch (RuntimeException e) {
            throw new JoinFailedException("cannot open a connection to " + address + ": " + e.getMessage(), e);
        }
        try {
            awaitReady(channel, timeout);
            X509Certificate serverCert = shown.get();
            byte[] secret = token.secret();
            KeyPair pair = KeyMaterial.newKeyPair();
            byte[] publicKey = pair.getPublic().getEncoded();
            byte[] nonce = new byte[32];
            RANDOM.nextBytes(nonce);
            byte[] fingerprint = JoinProtocol.fingerprint(serverCert.getEncoded());
            JoinReply reply = AdmissionGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder()
                            .setPublicKey(ByteString.copyFrom(publicKey))
                            .setRole(role)
                            .setNonce(ByteString.copyFrom(nonce))
                            .setProof(ByteString.copyFrom(
                                    JoinProtocol.requestProof(secret, role, publicKey, nonce, fingerprint)))
                            .setName(name == null ? "" : name)
                            .build());
            return accept(reply, secret, pair, nonce, address);
        } catch (CertificateEncodingException e) {
            throw new JoinFailedException("the scheduler at " + address + " showed an unreadable certificate", e);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * Checks the scheduler's proof and what it issued before anything of it is trusted. Public for
     * the scheduler side's protocol tests, which forge replies with a real cluster CA.
     */
    public static Joined accept(JoinReply reply, byte[] secret, KeyPair pair, byte[] nonce, String address) {
        byte[] certDer = reply.getCertificate().toByteArray();
        byte[] caDer = reply.getCaCertificate().toByteArray();
        if (!JoinProtocol.same(
                JoinProtocol.replyProof(secret, caDer, certDer, nonce),
                reply.getProof().toByteArray())) {
            throw new JoinFailedException(
                    "the scheduler at " + address + " could not prove it holds this cluster's join"
                            + " token: it is not this cluster's scheduler (or someone is in between); nothing of it was trusted");
        }
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            X509Certificate cert = (X509Certificate) f.generateCertificate(new ByteArrayInputStream(certDer));
            X509Certificate ca = (X509Certificate) f.generateCertificate(new ByteArrayInputStream(caDer));
            cert.verify(ca.getPublicKey());
            if (!Arrays.equals(
                    cert.getPublicKey().getEncoded(), pair.getPublic().getEncoded())) {
                throw new JoinFailedException("the scheduler at " + address + " issued a certificate for another key");
            }
            if (reply.getServerName().isBlank()
                    || !JoinProtocol.SERVER_NAME.matcher(reply.getServerName()).matches()) {
                throw new JoinFailedException("the scheduler at " + address + " sent no usable server name");
            }
            return new Joined(
                    KeyMaterial.pem(cert).getBytes(StandardCharsets.US_ASCII),
                    KeyMaterial.pem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                    KeyMaterial.pem(ca).getBytes(StandardCharsets.US_ASCII),
                    reply.getServerName());
        } catch (GeneralSecurityException e) {
            throw new JoinFailedException(
                    "the scheduler at " + address + " sent an unusable certificate: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** Connects (handshake included) so that the certificate the proof names is known before it is made. */
    private static void awaitReady(ManagedChannel channel, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ConnectivityState state = channel.getState(true);
        while (state != ConnectivityState.READY) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
                throw Status.UNAVAILABLE
                        .withDescription("no TLS connection (" + state + ")")
                        .asRuntimeException();
            }
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            try {
                changed.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JoinFailedException("interrupted while joining", e);
            }
            state = channel.getState(true);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JoinFailedException("interrupted while joining", e);
        }
    }

    /** Thrown when joining fails; the message says why, never anything of the token. */
    public static final class JoinFailedException extends RuntimeException {
        JoinFailedException(String message) {
            super(message);
        }

        JoinFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Trusts any server certificate and remembers it: for the Join call only, whose proof names
     * exactly this certificate. Extended, so that the JDK adds no host name check of its own
     * (the scheduler's name is not known yet).
     */
    private static final class ServerCertificateRecorder extends X509ExtendedTrustManager {
        private final AtomicReference<X509Certificate> shown;

        ServerCertificateRecorder(AtomicReference<X509Certificate> shown) {
            this.shown = shown;
        }

        private void record(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server showed no certificate");
            }
            shown.set(chain[0]);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            record(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            record(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            record(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a joiner serves nothing");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a joiner serves nothing");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a joiner serves nothing");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
