package dev.jcloud.providers.ssh;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code ssh.*} settings: where the hosts are listed, how they are trusted and logged in to.
 * Per-host fields (user, port, identity file, jump host, slots, java, prologue, scheduler) live in
 * the hosts file ({@link HostsFile}); these keys are the defaults every host starts from.
 */
public final class SshSettings {

    /** The hosts: a YAML/JSON hosts file, or a list {@code user@host[:port],...}. */
    public static final SettingKey<Optional<String>> HOSTS = SettingKey.optionalText("ssh.hosts")
            .describedAs("The hosts: a YAML/JSON hosts file (see docs/ssh.md) or a list 'user@host[:port],...'.")
            .flag("--hosts", "FILE|LIST");

    /** The known_hosts file host keys are checked against. */
    public static final SettingKey<Optional<String>> KNOWN_HOSTS = SettingKey.optionalText("ssh.known-hosts")
            .describedAs("The known_hosts file host keys are checked against (default: ~/.ssh/known_hosts).")
            .flag("--known-hosts", "FILE");

    /** The private key file of hosts that name none. */
    public static final SettingKey<Optional<String>> IDENTITY = SettingKey.optionalText("ssh.identity")
            .describedAs("The private key of hosts that name none (default: the SSH agent and ~/.ssh/id_*).")
            .flag("--identity", "FILE");

    /** The login user of hosts that name none. */
    public static final SettingKey<Optional<String>> USER = SettingKey.optionalText("ssh.user")
            .describedAs("The login user of hosts that name none (default: this user's name).");

    /** How long connecting and logging in to one host may take. */
    public static final SettingKey<Duration> CONNECT_TIMEOUT = SettingKey.duration(
                    "ssh.connect-timeout", "15s", Duration.ofMinutes(10))
            .describedAs("How long connecting and logging in to one host may take (default: 15s).")
            .flag("--connect-timeout", "DURATION");

    /** The directory on each host for the engine cache and the clusters' files. */
    public static final SettingKey<String> DIR = SettingKey.text("ssh.dir", ".jcloud")
            .describedAs("The directory on each host, relative to the login's home unless absolute, for the engine"
                    + " cache and the clusters' files (default: .jcloud).");

    /** The hard maximum of workers, below the hosts' slots. */
    public static final SettingKey<Integer> MAX_WORKERS = SettingKey.wholeNumber("ssh.max-workers", 1000, 0, 100_000)
            .describedAs("The hard maximum of workers (default 1000); the hosts' slots limit them too.");

    /** The {@code ssh.*} keys. */
    public static final SettingsSection SECTION =
            SettingsSection.of("ssh", HOSTS, KNOWN_HOSTS, IDENTITY, USER, CONNECT_TIMEOUT, DIR, MAX_WORKERS);

    private SshSettings() {}
}
