package dev.jcloud.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that passes requests at once and answers at a fixed rate: a slow link
 * between a client and a worker, on one machine.
 */
final class ThrottlingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final long bytesPerSecond;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    /** Bytes carried from the target back to the clients. */
    private final java.util.concurrent.atomic.AtomicLong bytesDown = new java.util.concurrent.atomic.AtomicLong();

    ThrottlingProxy(InetSocketAddress listen, InetSocketAddress target, long bytesPerSecond) throws IOException {
        this.listener = new ServerSocket();
        this.listener.bind(listen);
        this.target = target;
        this.bytesPerSecond = bytesPerSecond;
        this.acceptor = new Thread(this::accept, "throttling-proxy");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    private void accept() {
        try {
            while (!listener.isClosed()) {
                Socket in = listener.accept();
                Socket out = new Socket(target.getAddress(), target.getPort());
                sockets.add(in);
                sockets.add(out);
                pump(in, out, Long.MAX_VALUE);
                pump(out, in, bytesPerSecond);
            }
        } catch (IOException closed) {
            // The proxy was closed.
        }
    }

    private void pump(Socket from, Socket to, long rate) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    long start = System.nanoTime();
                    long sent = 0;
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                            out.write(buffer, 0, n);
                            sent += n;
                            if (rate != Long.MAX_VALUE) {
                                bytesDown.addAndGet(n);
                                long due = start + sent * 1_000_000_000L / rate;
                                long wait = due - System.nanoTime();
                                if (wait > 0) {
                                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                }
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        // Either side went away: the other follows when its socket closes.
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "throttling-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing.
        }
    }

    /** Bytes carried from the target back to the clients so far. */
    long bytesDown() {
        return bytesDown.get();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(ThrottlingProxy::closeQuietly);
    }
}
