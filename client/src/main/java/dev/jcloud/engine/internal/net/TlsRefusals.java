package dev.jcloud.engine.internal.net;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns gRPC's report of a connection that failed its TLS handshake (a plaintext client, a
 * certificate from another CA, no certificate) into one WARN line of our own log, instead of
 * gRPC's java.util.logging records (multi-line, FINE, without the reason).
 *
 * <p>gRPC reports these failures only through java.util.logging, and without the peer's
 * certificate; the reason comes from {@link ClientCertificateCheck}. Neither ever holds key material.
 */
final class TlsRefusals {

    private static final Logger LOG = LoggerFactory.getLogger("dev.jcloud.engine.TlsRefusals");
    /**
     * Where grpc-netty reports a failed server-side handshake: "TLS negotiation failed for new
     * client." at FINE, without the cause (which {@link ClientCertificateCheck} keeps for us).
     */
    static final String GRPC_NEGOTIATION_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators";

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    /** Held so that the configured JUL logger is not collected (JUL keeps loggers weakly). */
    private static java.util.logging.Logger grpcLogger;

    private TlsRefusals() {}

    /** Installs the bridge once per JVM; called when the first TLS server starts. */
    static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(GRPC_NEGOTIATION_LOGGER);
        jul.setUseParentHandlers(false);
        jul.setLevel(Level.FINE);
        jul.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().startsWith("TLS negotiation failed")) {
                    refused(ClientCertificateCheck.recentRejection());
                } else if (LOG.isDebugEnabled()) {
                    LOG.debug("grpc: {}", firstLine(record.getMessage()));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
        grpcLogger = jul;
    }

    /** One line per refused connection; never a stack trace, never key material. */
    static void refused(String certificateProblem) {
        LOG.warn(
                "refused a connection: the TLS handshake failed ({})",
                certificateProblem != null
                        ? certificateProblem
                        : "no client certificate of this cluster's CA: a plaintext client, or none presented");
    }

    /** One line per call refused for want of a client certificate (a scheduler admitting joiners). */
    static void refusedCall(String method, String peer) {
        LOG.warn(
                "refused a call of {} from {}: no client certificate of this cluster's CA (join with the cluster's"
                        + " join token first)",
                method,
                peer);
    }

    /** The innermost TLS-related cause's message, or null when {@code t} is not a TLS failure. */
    static String handshakeFailure(Throwable t) {
        String found = null;
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            String name = c.getClass().getName();
            if (c instanceof SSLException || name.endsWith("NotSslRecordException")) {
                found = c.getClass().getSimpleName() + ": " + firstLine(c.getMessage());
            }
        }
        return found;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        // A plaintext client's bytes are echoed as hex by Netty; a short prefix says enough.
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
