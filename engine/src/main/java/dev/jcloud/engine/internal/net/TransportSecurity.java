package dev.jcloud.engine.internal.net;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How engine connections are secured. Plaintext and mutual TLS build channels and servers through
 * the same code ({@link Transports}); only the credentials differ, so turning TLS on changes no
 * protocol code.
 */
public final class TransportSecurity {

    private final File certChain;
    private final File privateKey;
    private final File trustedCa;
    private final String serverName;

    private TransportSecurity(File certChain, File privateKey, File trustedCa, String serverName) {
        this.certChain = certChain;
        this.privateKey = privateKey;
        this.trustedCa = trustedCa;
        this.serverName = serverName;
    }

    /** No encryption: for loopback clusters only. */
    public static TransportSecurity plaintext() {
        return new TransportSecurity(null, null, null, null);
    }

    /** Mutual TLS: this party presents {@code certChain}/{@code privateKey} and trusts only {@code trustedCa}. */
    public static TransportSecurity mutualTls(File certChain, File privateKey, File trustedCa) {
        return new TransportSecurity(certChain, privateKey, trustedCa, null);
    }

    /**
     * Mutual TLS where every peer's certificate names the cluster ({@code serverName}) rather than
     * an address: cloud machines get their addresses after their certificates are issued. The
     * per-cluster CA is what admits a peer; the name is checked instead of the address dialled.
     */
    public static TransportSecurity mutualTls(File certChain, File privateKey, File trustedCa, String serverName) {
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("the TLS server name must not be blank");
        }
        return new TransportSecurity(certChain, privateKey, trustedCa, serverName);
    }

    /** The name peers' certificates must carry instead of their address, or null (check the address). */
    String serverName() {
        return serverName;
    }

    public boolean isTls() {
        return certChain != null;
    }

    ChannelCredentials channelCredentials() {
        if (!isTls()) {
            return InsecureChannelCredentials.create();
        }
        try {
            return TlsChannelCredentials.newBuilder()
                    .keyManager(certChain, privateKey)
                    .trustManager(trustedCa)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        }
    }

    ServerCredentials serverCredentials() {
        if (!isTls()) {
            return InsecureServerCredentials.create();
        }
        try {
            return TlsServerCredentials.newBuilder()
                    .keyManager(certChain, privateKey)
                    .trustManager(ClientCertificateCheck.forCa(trustedCa))
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLS material", e);
        }
    }
}
