package dev.jcloud.engine.internal.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A bulk data connection of a TLS cluster: TLS (the JDK's) over a connected socket channel, seen
 * as a {@link ByteChannel} so that the bulk protocol's code is the same with and without TLS.
 * Both ends present a certificate of the cluster's CA and trust only that CA, as on the cluster's
 * gRPC connections; the single-use ticket then travels encrypted.
 */
public final class TlsChannel implements ByteChannel {

    /** TLS records carry at most 16 KiB; larger writes are split by the JDK, smaller ones cost a record each. */
    private static final int MAX_WRITE = 1 << 20;

    private final SocketChannel plain;
    private final SSLSocket tls;
    private final InputStream in;
    private final OutputStream out;

    private TlsChannel(SocketChannel plain, SSLSocket tls) throws IOException {
        this.plain = plain;
        this.tls = tls;
        this.in = tls.getInputStream();
        this.out = tls.getOutputStream();
    }

    /** The fetching or sending end, over {@code plain} (connected); the handshake is done here. */
    public static TlsChannel client(SocketChannel plain, SSLContext context, String host, int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain.socket(), host, port, true);
        s.setUseClientMode(true);
        return handshake(plain, s);
    }

    /** The worker's end of an accepted connection; the peer must present a certificate of the CA. */
    public static TlsChannel server(SocketChannel plain, SSLContext context) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain.socket(), null, true);
        s.setUseClientMode(false);
        s.setNeedClientAuth(true);
        return handshake(plain, s);
    }

    private static TlsChannel handshake(SocketChannel plain, SSLSocket s) throws IOException {
        try {
            s.startHandshake();
            return new TlsChannel(plain, s);
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already failing.
            }
            throw e;
        }
    }

    /** The decrypted stream, for readers that parse with streams. */
    public InputStream inputStream() {
        return in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n;
        if (dst.hasArray()) {
            n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            byte[] b = new byte[Math.min(dst.remaining(), 64 << 10)];
            n = in.read(b);
            if (n > 0) {
                dst.put(b, 0, n);
            }
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = Math.min(src.remaining(), MAX_WRITE);
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.position() + n);
        } else {
            byte[] b = new byte[n];
            src.get(b);
            out.write(b);
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return plain.isOpen() && !tls.isClosed();
    }

    /** Closes without the TLS close handshake: a closed bulk connection is simply gone. */
    @Override
    public void close() throws IOException {
        plain.close();
    }
}
