package dev.jcloud.providers.ssh;

import dev.jcloud.provisioner.ProvisionException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * SSH to the host pool with Apache MINA SSHD's client: one multiplexed session per host, opened on
 * first use and reused by every command and file copy; jump hosts through MINA's ProxyJump; host
 * keys checked strictly ({@link StrictHostKeys}); key-file and agent logins.
 *
 * <p>Commands run as {@code sh -s} with the script on standard input, so nothing is quoted twice
 * and no command line grows with the script.
 */
final class SshHosts implements AutoCloseable {

    /** A command's outcome. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private final Map<String, HostSpec> hosts = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final StrictHostKeys hostKeys;
    private final SshClient client;
    private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();

    SshHosts(List<HostSpec> pool, Path knownHosts, Duration timeout, boolean useAgent) {
        pool.forEach(h -> hosts.put(h.name(), h));
        this.timeout = timeout;
        this.hostKeys = new StrictHostKeys(knownHosts);
        this.client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(hostKeys);
        // Only what the hosts file says: ~/.ssh/config is not read, so every run behaves the same.
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        List<KeyPair> keys = loadKeys(pool);
        client.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(keys));
        if (useAgent) {
            AgentSocket.fromEnvironment().ifPresent(client::setAgentFactory);
        }
        client.start();
    }

    /** The session to {@code host}, opened (through its jump host) and logged in on first use. */
    ClientSession session(HostSpec host) {
        ClientSession s = sessions.get(host.name());
        if (s != null && s.isOpen() && s.isAuthenticated()) {
            return s;
        }
        synchronized (this) {
            s = sessions.get(host.name());
            if (s != null && s.isOpen() && s.isAuthenticated()) {
                return s;
            }
            s = connect(host);
            sessions.put(host.name(), s);
            return s;
        }
    }

    private ClientSession connect(HostSpec host) {
        HostConfigEntry entry = new HostConfigEntry(host.name(), host.host(), host.port(), host.user(), jumps(host));
        ClientSession s = null;
        try {
            s = client.connect(
                            entry,
                            AttributeRepository.ofKeyValuePair(
                                    StrictHostKeys.TARGET, new SshdSocketAddress(host.host(), host.port())),
                            null)
                    .verify(timeout)
                    .getSession();
            s.auth().verify(timeout);
            return s;
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.close(true);
            }
            String refusal = refusalOnTheWay(host);
            if (refusal != null) {
                throw new ProvisionException("cannot connect to host " + host.name() + ": " + refusal, e);
            }
            throw new ProvisionException(
                    "cannot connect to host " + host.name() + " (" + host.login()
                            + host.jump().map(j -> " through " + j).orElse("") + ") within " + timeout.toSeconds()
                            + " s (ssh.connect-timeout): " + e.getMessage() + ". Check the address, port, user and"
                            + " key (identity in the hosts file, --identity, or the SSH agent)",
                    e);
        }
    }

    /** A host-key refusal of {@code host} or of a jump host on its way, or null. */
    private String refusalOnTheWay(HostSpec host) {
        for (HostSpec h = host; h != null; h = h.jump().map(hosts::get).orElse(null)) {
            String r = hostKeys.refusal(h.host(), h.port());
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** The ProxyJump chain of {@code host}: {@code user@jump1:port,user@jump2:port}, outermost first. */
    private String jumps(HostSpec host) {
        List<String> chain = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String j = host.jump().orElse(null); j != null; ) {
            if (!seen.add(j)) {
                throw new ProvisionException("the jump hosts of " + host.name() + " form a loop: " + seen);
            }
            HostSpec jump = hosts.get(j);
            if (jump == null) {
                throw new ProvisionException("jump host " + j + " of " + host.name() + " is not in the hosts file");
            }
            chain.add(0, jump.user() + "@" + jump.host() + ":" + jump.port());
            j = jump.jump().orElse(null);
        }
        return chain.isEmpty() ? null : String.join(",", chain);
    }

    /** Runs {@code script} with {@code sh} on {@code host} and waits for it (bounded by {@code limit}). */
    Result run(HostSpec host, String script, Duration limit) {
        ClientSession s = session(host);
        try (ChannelExec ch = s.createExecChannel("sh -s")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ch.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            ch.setOut(out);
            ch.setErr(err);
            ch.open().verify(timeout);
            Set<ClientChannelEvent> events = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), limit);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new ProvisionException("a command on host " + host.name() + " did not finish within "
                        + limit.toSeconds() + " s; its output so far:\n" + out.toString(StandardCharsets.UTF_8)
                        + err.toString(StandardCharsets.UTF_8));
            }
            Integer code = ch.getExitStatus();
            return new Result(
                    code == null ? -1 : code,
                    out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            sessions.remove(host.name());
            throw new ProvisionException("a command on host " + host.name() + " failed: " + e.getMessage(), e);
        }
    }

    /** As {@link #run}, failing with the script's standard error (and {@code what}) unless it exits 0. */
    String check(HostSpec host, String what, String script, Duration limit) {
        Result r = run(host, script, limit);
        if (!r.ok()) {
            throw new ProvisionException("host " + host.name() + ": " + what + " failed (exit " + r.exitCode() + "): "
                    + (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip());
        }
        return r.stdout();
    }

    /** Copies {@code local} to {@code remote} over SFTP, creating it with {@code mode}. */
    void upload(HostSpec host, Path local, String remote, int mode) {
        try (InputStream in = Files.newInputStream(local)) {
            write(host, remote, in, mode);
        } catch (IOException e) {
            throw new ProvisionException("cannot read " + local + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code content} to {@code remote} over SFTP with {@code mode} (set before any byte is written). */
    void write(HostSpec host, String remote, byte[] content, int mode) {
        write(host, remote, new ByteArrayInputStream(content), mode);
    }

    private void write(HostSpec host, String remote, InputStream in, int mode) {
        try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session(host))) {
            try (OutputStream out = sftp.write(
                    remote, SftpClient.OpenMode.Create, SftpClient.OpenMode.Write, SftpClient.OpenMode.Truncate)) {
                SftpClient.Attributes attrs = new SftpClient.Attributes();
                attrs.setPermissions(mode);
                sftp.setStat(remote, attrs);
                in.transferTo(out);
            }
        } catch (IOException e) {
            throw new ProvisionException(
                    "cannot copy to " + remote + " on host " + host.name() + ": " + e.getMessage(), e);
        }
    }

    /** The content of {@code remote}, or null when it does not exist. */
    byte[] read(HostSpec host, String remote) {
        try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session(host));
                InputStream in = sftp.read(remote)) {
            return in.readAllBytes();
        } catch (org.apache.sshd.sftp.common.SftpException e) {
            return null;
        } catch (IOException e) {
            throw new ProvisionException(
                    "cannot read " + remote + " on host " + host.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        sessions.values().forEach(s -> s.close(true));
        sessions.clear();
        client.stop();
    }

    /** The key files of every host (or the defaults in ~/.ssh), loaded once. */
    private static List<KeyPair> loadKeys(List<HostSpec> pool) {
        Set<Path> files = new LinkedHashSet<>();
        for (HostSpec h : pool) {
            h.identity().map(Path::of).ifPresent(files::add);
        }
        if (files.isEmpty() || pool.stream().anyMatch(h -> h.identity().isEmpty())) {
            Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
            DEFAULT_KEYS.stream().map(ssh::resolve).filter(Files::isRegularFile).forEach(files::add);
        }
        List<KeyPair> keys = new ArrayList<>();
        for (Path f : files) {
            keys.addAll(loadKey(f));
        }
        return keys;
    }

    static List<KeyPair> loadKey(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the identity file " + file + " does not exist (identity in the hosts"
                    + " file, or ssh.identity/--identity)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(
                    null, NamedResource.ofName(file.toString()), in, FilePasswordProvider.EMPTY);
            List<KeyPair> out = new ArrayList<>();
            if (pairs != null) {
                pairs.forEach(out::add);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("the identity file " + file + " holds no private key"
                        + " (accepted: OpenSSH or PEM private keys without a passphrase; use the SSH agent for"
                        + " keys with one)");
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot read the identity file " + file + ": " + e.getMessage()
                            + " (accepted: OpenSSH or PEM private keys without a passphrase; use the SSH agent for keys"
                            + " with one)",
                    e);
        }
    }
}
