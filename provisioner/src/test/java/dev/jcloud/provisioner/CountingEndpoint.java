package dev.jcloud.provisioner;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback port that accepts and counts connections and answers nothing: point a cloud SDK's
 * endpoint at it to prove a code path calls no cloud API ({@code --dry-run}).
 */
public final class CountingEndpoint implements AutoCloseable {

    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    public CountingEndpoint() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(
                () -> {
                    while (!socket.isClosed()) {
                        try (Socket s = socket.accept()) {
                            connections.incrementAndGet();
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "counting-endpoint");
        t.setDaemon(true);
        t.start();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
