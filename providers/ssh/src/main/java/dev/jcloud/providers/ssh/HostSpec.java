package dev.jcloud.providers.ssh;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One machine of the host pool, as the hosts file (or the host list) describes it.
 *
 * @param name      a short unique name for messages and node ids (default: the host)
 * @param host      the address or DNS name to connect to
 * @param port      the SSH port
 * @param user      the login user
 * @param identity  a private key file for this host, or empty for the defaults (agent, ~/.ssh/id_*)
 * @param jump      the {@link #name} of the host to jump through (ProxyJump), or empty
 * @param slots     how many workers this host may run at once
 * @param java      the java binary on the host, or empty to find {@code java} on its PATH
 * @param prologue  shell lines run before every engine process (e.g. {@code module load java/17})
 * @param scheduler whether the scheduler runs here
 * @param address   the address engine ports bind to and peers reach (default: {@link #host})
 * @param dir       the directory on the host for the engine cache and clusters' files
 * @param authorizedKeys the authorized_keys file the cluster's own key is added to
 */
public record HostSpec(
        String name,
        String host,
        int port,
        String user,
        Optional<String> identity,
        Optional<String> jump,
        int slots,
        Optional<String> java,
        Optional<String> prologue,
        boolean scheduler,
        String address,
        String dir,
        String authorizedKeys) {

    public HostSpec {
        requireNonNull(name, "name is null");
        requireNonNull(host, "host is null");
        requireNonNull(user, "user is null");
        requireNonNull(identity, "identity is null");
        requireNonNull(jump, "jump is null");
        requireNonNull(java, "java is null");
        requireNonNull(prologue, "prologue is null");
        requireNonNull(address, "address is null");
        requireNonNull(dir, "dir is null");
        requireNonNull(authorizedKeys, "authorizedKeys is null");
    }

    /** {@code user@host:port}, for messages. */
    public String login() {
        return user + "@" + host + (port == 22 ? "" : ":" + port);
    }

    /** A copy running the scheduler or not. */
    public HostSpec withScheduler(boolean runsScheduler) {
        return new HostSpec(
                name,
                host,
                port,
                user,
                identity,
                jump,
                slots,
                java,
                prologue,
                runsScheduler,
                address,
                dir,
                authorizedKeys);
    }

    /** A copy logging in with {@code file} (the cluster's own key on the scheduler's host). */
    public HostSpec withIdentity(String file) {
        return new HostSpec(
                name,
                host,
                port,
                user,
                Optional.of(file),
                jump,
                slots,
                java,
                prologue,
                scheduler,
                address,
                dir,
                authorizedKeys);
    }
}
