package dev.jcloud.providers.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Strict host-key checking against one {@code known_hosts} file, as OpenSSH's
 * {@code StrictHostKeyChecking=yes}: a host whose key is not listed, or listed with another key, is
 * refused. Nothing is ever added to the file. The reason of each refusal is kept by host, so the
 * connection error can say which key the host offered (its SHA256 fingerprint) and the line that
 * would accept it.
 */
final class StrictHostKeys implements ServerKeyVerifier {

    /** The host and port a session was asked for, in its connection context. */
    static final AttributeRepository.AttributeKey<SshdSocketAddress> TARGET = new AttributeRepository.AttributeKey<>();

    private final Path knownHosts;
    private final Map<String, String> refusals = new ConcurrentHashMap<>();

    StrictHostKeys(Path knownHosts) {
        this.knownHosts = knownHosts;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
        SocketAddress target = session.getConnectAddress() != null ? session.getConnectAddress() : remoteAddress;
        // Through a jump host the session dials a forwarded loopback port: the host asked for is in its context.
        if (isLoopback(target) && session.getConnectionContext() != null) {
            SshdSocketAddress asked = session.getConnectionContext().getAttribute(TARGET);
            if (asked != null) {
                target = asked;
            }
        }
        String host = hostOf(target);
        int port = portOf(target);
        List<KnownHostEntry> entries;
        try {
            entries = Files.isRegularFile(knownHosts) ? KnownHostEntry.readKnownHostEntries(knownHosts) : List.of();
        } catch (IOException | RuntimeException e) {
            refusals.put(key(host, port), "cannot read the known hosts file " + knownHosts + ": " + e.getMessage());
            return false;
        }
        boolean listed = false;
        for (KnownHostEntry e : entries) {
            if (e.getKeyEntry() == null || !e.isHostMatch(host, port) || "@revoked".equals(marker(e))) {
                continue;
            }
            listed = true;
            try {
                PublicKey known = e.getKeyEntry().resolvePublicKey(session, PublicKeyEntryResolver.IGNORING);
                if (known != null && KeyUtils.compareKeys(known, serverKey)) {
                    refusals.remove(key(host, port));
                    return true;
                }
            } catch (IOException | GeneralSecurityException ex) {
                // an entry we cannot read matches nothing
            }
        }
        String fingerprint = KeyUtils.getFingerPrint(BuiltinDigests.sha256, serverKey);
        String line = (port == 22 ? host : "[" + host + "]:" + port) + " " + PublicKeyEntry.toString(serverKey);
        refusals.put(
                key(host, port),
                listed
                        ? "the host key of " + host + ":" + port + " (" + KeyUtils.getKeyType(serverKey) + " "
                                + fingerprint + ") is not the one " + knownHosts + " lists for it: the host was"
                                + " reinstalled, or someone is in between. Check with the host's administrator;"
                                + " if the new key is right, replace the host's line in " + knownHosts
                                + " with:\n  " + line
                        : "the host key of " + host + ":" + port + " is unknown: it is not in " + knownHosts
                                + " (ssh.known-hosts, --known-hosts). The host offered "
                                + KeyUtils.getKeyType(serverKey)
                                + " key " + fingerprint + ". If that is the host's key (compare with"
                                + " 'ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub' on the host), accept it by adding"
                                + " this line to " + knownHosts + ":\n  " + line
                                + "\n(or 'ssh-keyscan -p " + port + " " + host + " >> " + knownHosts
                                + "' after checking the fingerprint)");
        return false;
    }

    /** Why {@code host:port} was refused, or null when it was not. */
    String refusal(String host, int port) {
        return refusals.get(key(host, port));
    }

    private static String marker(KnownHostEntry e) {
        return e.getMarker() == null ? null : "@" + e.getMarker();
    }

    private static String key(String host, int port) {
        return host + ":" + port;
    }

    private static boolean isLoopback(SocketAddress a) {
        String h = hostOf(a);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    private static String hostOf(SocketAddress a) {
        if (a instanceof SshdSocketAddress s) {
            return s.getHostName();
        }
        if (a instanceof InetSocketAddress i) {
            return i.getHostString();
        }
        return String.valueOf(a);
    }

    private static int portOf(SocketAddress a) {
        if (a instanceof SshdSocketAddress s) {
            return s.getPort();
        }
        if (a instanceof InetSocketAddress i) {
            return i.getPort();
        }
        return 22;
    }
}
