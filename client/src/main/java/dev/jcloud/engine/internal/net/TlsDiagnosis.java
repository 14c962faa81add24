package dev.jcloud.engine.internal.net;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Says why a connection to a scheduler failed when TLS is the reason: gRPC reports only
 * "UNAVAILABLE", which sends users looking for a network problem that does not exist.
 */
public final class TlsDiagnosis {

    private static final int PROBE_MILLIS = 2000;

    private TlsDiagnosis() {}

    /**
     * A sentence for a failed connection to {@code address}, or null when TLS is not the reason
     * (e.g. nothing listens there).
     */
    public static String explain(String address, TransportSecurity security, Throwable failure) {
        if (causeOf(failure, ConnectException.class)) {
            return null;
        }
        String prefix = "the scheduler at " + address + " requires this cluster's TLS client certificate: ";
        if (!security.isTls()) {
            return speaksTls(address)
                    ? prefix + "this client connected without TLS. Connect with the cluster's credentials"
                            + " (Client.builder(address).mutualTls(cert, key, ca), the cluster's connect(), or"
                            + " Client.builder(address).joinToken(file) for a cluster with a join token)"
                    : null;
        }
        String why = TlsRefusals.handshakeFailure(failure);
        if (why == null) {
            return null;
        }
        return prefix + "the TLS handshake failed (" + why + "). This client's certificate or CA belongs to another"
                + " cluster, or the scheduler does not speak TLS; use the files of this cluster's own CA";
    }

    /** True when something at {@code address} answers a TLS handshake with a certificate. */
    static boolean speaksTls(String address) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        String host = address.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        AtomicBoolean sawCertificate = new AtomicBoolean();
        // Trusts anything: the probe only asks whether the server speaks TLS, it sends nothing.
        TrustManager observer = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                sawCertificate.set(true);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {observer}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(host.replace("[", "").replace("]", ""), port), PROBE_MILLIS);
                socket.setSoTimeout(PROBE_MILLIS);
                socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                socket.startHandshake();
            }
        } catch (SSLException e) {
            // A refusal of our missing certificate still comes after the server showed its own.
        } catch (IOException | GeneralSecurityException e) {
            return sawCertificate.get();
        }
        return sawCertificate.get();
    }

    private static boolean causeOf(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
