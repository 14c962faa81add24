package dev.jcloud.providers.ssh;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Logins with the keys of the user's SSH agent ({@code $SSH_AUTH_SOCK}), spoken to over the JDK's
 * own UNIX-domain sockets (MINA's built-in agent client needs native libraries). MINA's
 * {@link AbstractAgentProxy} encodes the agent protocol; this class only carries its messages.
 */
final class AgentSocket implements SshAgentFactory {

    private static final int MAX_MESSAGE = 256 * 1024;

    private final Path socket;

    private AgentSocket(Path socket) {
        this.socket = socket;
    }

    /** The agent of {@code $SSH_AUTH_SOCK}, when it names a socket that exists. */
    static Optional<SshAgentFactory> fromEnvironment() {
        String path = System.getenv(SshAgent.SSH_AUTHSOCKET_ENV_NAME);
        if (path == null || path.isBlank() || !Files.exists(Path.of(path))) {
            return Optional.empty();
        }
        return Optional.of(new AgentSocket(Path.of(path)));
    }

    @Override
    public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
        return List.of(); // the agent is never forwarded to the hosts
    }

    @Override
    public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
        return new Proxy(socket);
    }

    @Override
    public SshAgentServer createServer(ConnectionService service) {
        throw new UnsupportedOperationException("jcloud does not forward the SSH agent");
    }

    /** One connection to the agent, one request at a time. */
    private static final class Proxy extends AbstractAgentProxy {
        private final SocketChannel channel;

        Proxy(Path socket) throws IOException {
            super(null);
            this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        }

        @Override
        protected synchronized Buffer request(Buffer buffer) throws IOException {
            int wpos = buffer.wpos();
            buffer.wpos(0);
            buffer.putInt(wpos - 4L);
            buffer.wpos(wpos);
            ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteBuffer length = readFully(4);
            int n = length.getInt(0);
            if (n <= 0 || n > MAX_MESSAGE) {
                throw new IOException("the SSH agent sent a message of " + n + " bytes");
            }
            return new ByteArrayBuffer(readFully(n).array());
        }

        private ByteBuffer readFully(int n) throws IOException {
            ByteBuffer in = ByteBuffer.allocate(n);
            while (in.hasRemaining()) {
                if (channel.read(in) < 0) {
                    throw new IOException("the SSH agent closed the connection");
                }
            }
            return in;
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
