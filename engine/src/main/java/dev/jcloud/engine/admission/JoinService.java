package dev.jcloud.engine.admission;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.proto.AdmissionGrpc;
import dev.jcloud.engine.proto.JoinReply;
import dev.jcloud.engine.proto.JoinRequest;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's side of {@link JoinProtocol}: checks a joiner's proof against the token and its
 * own certificate, and issues a certificate of its in-memory CA. Every field of a request is
 * bounded and checked before anything is parsed; a refused request costs one HMAC at most, and a
 * source past its limit of failures ({@link JoinAttempts}) not even that.
 */
public final class JoinService implements AdmissionGrpc.AsyncService, BindableService {

    /** Where refused joins are logged: next to the refused connections and calls. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.jcloud.engine.TlsRefusals");

    private static final Logger INFO = LoggerFactory.getLogger(JoinService.class);
    private static final Context.Key<String> PEER = Context.key("jcloud-join-peer");
    /** An EC P-256 SubjectPublicKeyInfo is 91 bytes; anything much larger is not one. */
    static final int MAX_PUBLIC_KEY_BYTES = 256;

    static final Pattern NAME = JoinProtocol.SERVER_NAME;

    private final byte[] token;
    private final ClusterAuthority authority;
    private final byte[] ownFingerprint;
    private final JoinAttempts attempts;

    JoinService(JoinToken token, ClusterAuthority authority, X509Certificate ownCertificate, LongSupplier nanoClock) {
        this.token = token.secret();
        this.authority = authority;
        this.attempts = new JoinAttempts(nanoClock);
        try {
            this.ownFingerprint = JoinProtocol.fingerprint(ownCertificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The transport security of a scheduler that admits holders of {@code token}: a new CA in memory,
     * the scheduler's certificate from it (named {@code serverName}), mutual TLS for everything but
     * the join call.
     */
    public static TransportSecurity schedulerSecurity(JoinToken token, String serverName) {
        ClusterAuthority authority = ClusterAuthority.create(serverName);
        KeyPair own = ClusterAuthority.newKeyPair();
        X509Certificate cert = authority.issue(own.getPublic(), "jcloud scheduler", true);
        JoinService service = new JoinService(token, authority, cert, System::nanoTime);
        INFO.info("admitting members with the cluster's join token; certificates name '{}'", serverName);
        return TransportSecurity.mutualTlsPem(
                        ClusterAuthority.certificatePem(cert),
                        ClusterAuthority.privateKeyPem(own.getPrivate()),
                        ClusterAuthority.certificatePem(authority.certificate()),
                        serverName)
                .admitting(service);
    }

    @Override
    public ServerServiceDefinition bindService() {
        // The source address is what failures are counted by; only an interceptor sees it.
        return ServerInterceptors.intercept(AdmissionGrpc.bindService(this), new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String host = remote instanceof InetSocketAddress i && i.getAddress() != null
                        ? i.getAddress().getHostAddress()
                        : String.valueOf(remote);
                return Contexts.interceptCall(Context.current().withValue(PEER, host), call, headers, next);
            }
        });
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinReply> reply) {
        String host = PEER.get();
        try {
            reply.onNext(admit(request, host == null ? "unknown" : host));
            reply.onCompleted();
        } catch (StatusException e) {
            reply.onError(e);
        } catch (RuntimeException e) {
            // Never a crash of the scheduler, and never more than the class of the problem in the log.
            LOG.warn("join from {} failed: {}", host, e.getClass().getSimpleName());
            reply.onError(Status.INTERNAL
                    .withDescription("the join failed on the scheduler")
                    .asException());
        }
    }

    /** Checks {@code request} from {@code host} and issues its certificate. */
    JoinReply admit(JoinRequest request, String host) throws StatusException {
        switch (attempts.check(host)) {
            case LIMITED_FIRST -> {
                LOG.warn(
                        "refused joins from {}: too many failed attempts; further ones are refused unlogged for a while",
                        host);
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("too many failed join attempts; try again later")
                        .asException();
            }
            case LIMITED ->
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("too many failed join attempts; try again later")
                        .asException();
            default -> {}
        }
        String malformed = malformed(request);
        if (malformed != null) {
            attempts.failed(host);
            if (attempts.loggable()) {
                LOG.warn("refused a join from {}: malformed request ({})", host, malformed);
            }
            throw Status.INVALID_ARGUMENT
                    .withDescription("malformed join request: " + malformed)
                    .asException();
        }
        byte[] publicKeyDer = request.getPublicKey().toByteArray();
        byte[] nonce = request.getNonce().toByteArray();
        byte[] expected = JoinProtocol.requestProof(token, request.getRole(), publicKeyDer, nonce, ownFingerprint);
        if (!JoinProtocol.same(expected, request.getProof().toByteArray())) {
            attempts.failed(host);
            if (attempts.loggable()) {
                LOG.warn(
                        "refused a join from {} as {}: the proof does not match this cluster's join token and this"
                                + " scheduler's certificate (a wrong token, or a man in the middle)",
                        host,
                        request.getRole());
            }
            throw Status.PERMISSION_DENIED
                    .withDescription("join refused: the proof does not match this cluster's join"
                            + " token (a wrong token, or the connection passes through someone else's TLS endpoint)")
                    .asException();
        }
        PublicKey key = p256(publicKeyDer);
        if (key == null) {
            attempts.failed(host);
            if (attempts.loggable()) {
                LOG.warn("refused a join from {}: the public key is not an EC P-256 key", host);
            }
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "malformed join request: the public key is not an EC P-256" + " SubjectPublicKeyInfo")
                    .asException();
        }
        boolean worker = request.getRole().equals(JoinProtocol.ROLE_WORKER);
        String name = request.getName().isEmpty() ? host : request.getName();
        X509Certificate cert = authority.issue(key, "jcloud " + request.getRole() + " " + name, worker);
        try {
            byte[] certDer = cert.getEncoded();
            byte[] caDer = authority.certificate().getEncoded();
            INFO.info(
                    "admitted {} '{}' from {} (certificate valid {} days)",
                    request.getRole(),
                    name,
                    host,
                    ClusterAuthority.LEAF_VALIDITY.toDays());
            return JoinReply.newBuilder()
                    .setCertificate(ByteString.copyFrom(certDer))
                    .setCaCertificate(ByteString.copyFrom(caDer))
                    .setProof(ByteString.copyFrom(JoinProtocol.replyProof(token, caDer, certDer, nonce)))
                    .setServerName(authority.serverName())
                    .build();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What is wrong with the shape of {@code request}, or null; says nothing about the token. */
    static String malformed(JoinRequest r) {
        if (!r.getRole().equals(JoinProtocol.ROLE_WORKER) && !r.getRole().equals(JoinProtocol.ROLE_CLIENT)) {
            return "role must be worker or client";
        }
        if (r.getPublicKey().isEmpty() || r.getPublicKey().size() > MAX_PUBLIC_KEY_BYTES) {
            return "public key missing or larger than " + MAX_PUBLIC_KEY_BYTES + " bytes";
        }
        if (r.getNonce().size() < JoinProtocol.MIN_NONCE_BYTES || r.getNonce().size() > JoinProtocol.MAX_NONCE_BYTES) {
            return "nonce must have " + JoinProtocol.MIN_NONCE_BYTES + " to " + JoinProtocol.MAX_NONCE_BYTES + " bytes";
        }
        if (r.getProof().size() != JoinProtocol.PROOF_BYTES) {
            return "proof must have " + JoinProtocol.PROOF_BYTES + " bytes";
        }
        if (!NAME.matcher(r.getName()).matches()) {
            return "name must be at most 64 letters, digits, '.', '_' or '-'";
        }
        return null;
    }

    private static PublicKey p256(byte[] der) {
        try {
            PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
            if (key instanceof ECPublicKey ec
                    && ec.getParams().getCurve().getField().getFieldSize() == 256) {
                return key;
            }
            return null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }
}
