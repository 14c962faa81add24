package dev.jcloud.engine.internal.net;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The gate of a scheduler that admits parties with a join token. Its TLS layer must let a client
 * without a certificate finish the handshake (to call the join service), so the check that TLS
 * makes elsewhere moves here: a call of any other service without a verified client certificate is
 * refused (UNAUTHENTICATED) and logged like a refused handshake. A certificate that was presented
 * has already been checked against the cluster CA by {@link ClientCertificateCheck}; one of another
 * CA never gets this far.
 */
final class CertificateRequired implements ServerInterceptor {

    static final String REFUSAL = "this scheduler admits only parties holding a certificate of this cluster's CA;"
            + " join first with the cluster's join token (jcloud join HOST:PORT --token-file FILE,"
            + " Client.builder(address).joinToken(file), or worker --join-token-file FILE)";

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (hasVerifiedCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))) {
            return next.startCall(call, headers);
        }
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        TlsRefusals.refusedCall(call.getMethodDescriptor().getFullMethodName(), String.valueOf(peer));
        call.close(Status.UNAUTHENTICATED.withDescription(REFUSAL), new Metadata());
        return new ServerCall.Listener<>() {};
    }

    private static boolean hasVerifiedCertificate(SSLSession session) {
        if (session == null) {
            return false;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain != null && chain.length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
