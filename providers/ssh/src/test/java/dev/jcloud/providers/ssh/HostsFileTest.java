package dev.jcloud.providers.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hosts file and host list: what is read, and what each mistake is told. */
class HostsFileTest {

    private static final HostsFile.Defaults DEFAULTS = new HostsFile.Defaults("alice", Optional.empty(), ".jcloud");

    @TempDir
    Path dir;

    @Test
    void readsAListOfLogins() {
        List<HostSpec> hosts = HostsFile.parse("bob@10.0.0.5,10.0.0.6:2222/8", DEFAULTS);

        assertThat(hosts).extracting(HostSpec::name).containsExactly("10.0.0.5", "10.0.0.6-2222");
        assertThat(hosts.get(0).user()).isEqualTo("bob");
        assertThat(hosts.get(0).scheduler()).isTrue();
        assertThat(hosts.get(0).slots()).isEqualTo(HostsFile.DEFAULT_SLOTS);
        assertThat(hosts.get(1).user()).isEqualTo("alice");
        assertThat(hosts.get(1).port()).isEqualTo(2222);
        assertThat(hosts.get(1).slots()).isEqualTo(8);
        assertThat(hosts.get(1).scheduler()).isFalse();
    }

    @Test
    void readsAYamlFileWithEveryField() throws IOException {
        Path key = Files.writeString(dir.resolve("key"), "");
        Path f = Files.writeString(dir.resolve("hosts.yaml"), """
                hosts:
                  - name: gate
                    host: bastion.example.com
                    slots: 0
                  - host: 10.0.0.5
                    user: carol
                    port: 2200
                    identity: %s
                    jump: gate
                    slots: 6
                    java: /opt/jdk-21/bin/java
                    prologue: module load java/21
                    scheduler: true
                    address: 192.168.1.5
                    dir: /scratch/jcloud
                    authorized-keys: .ssh/authorized_keys2
                """.formatted(key));

        List<HostSpec> hosts = HostsFile.parse(f.toString(), DEFAULTS);

        HostSpec h = hosts.get(1);
        assertThat(h.name()).isEqualTo("10.0.0.5-2200");
        assertThat(h.login()).isEqualTo("carol@10.0.0.5:2200");
        assertThat(h.identity()).contains(key.toString());
        assertThat(h.jump()).contains("gate");
        assertThat(h.java()).contains("/opt/jdk-21/bin/java");
        assertThat(h.prologue()).contains("module load java/21");
        assertThat(h.scheduler()).isTrue();
        assertThat(h.address()).isEqualTo("192.168.1.5");
        assertThat(h.dir()).isEqualTo("/scratch/jcloud");
        assertThat(h.authorizedKeys()).isEqualTo(".ssh/authorized_keys2");
        assertThat(hosts.get(0).scheduler()).isFalse();
        assertThat(hosts.get(0).user()).isEqualTo("alice");
    }

    @Test
    void mistakesNameTheFileTheHostAndTheField() throws IOException {
        Path f = Files.writeString(dir.resolve("hosts.yaml"), "hosts:\n  - host: a\n    slot: 3\n");
        assertThatThrownBy(() -> HostsFile.parse(f.toString(), DEFAULTS))
                .hasMessage(
                        f + ": host 1: unknown field 'slot' (accepted: " + String.join(", ", HostsFile.FIELDS) + ")");

        Files.writeString(f, "hosts:\n  - host: a\n    slots: many\n");
        assertThatThrownBy(() -> HostsFile.parse(f.toString(), DEFAULTS))
                .hasMessage(f + ": host 1 (a): slots must be a whole number from 0 to 10000 (was \"many\")");

        Files.writeString(f, "hosts:\n  - host: a\n    jump: b\n");
        assertThatThrownBy(() -> HostsFile.parse(f.toString(), DEFAULTS))
                .hasMessageStartingWith(f + ": host a: jump 'b' is not the name of a host in the file");

        Files.writeString(f, "hosts:\n  - host: a\n    scheduler: true\n  - host: b\n    scheduler: true\n");
        assertThatThrownBy(() -> HostsFile.parse(f.toString(), DEFAULTS))
                .hasMessage(f + ": 2 hosts say 'scheduler: true'; the scheduler runs on one host");

        Files.writeString(f, "hosts:\n  - user: a\n");
        assertThatThrownBy(() -> HostsFile.parse(f.toString(), DEFAULTS))
                .hasMessage(f + ": host 1: needs 'host' (an address or DNS name)");

        assertThatThrownBy(() -> HostsFile.parse(dir.resolve("missing.yaml").toString(), DEFAULTS))
                .hasMessageContaining("ssh.hosts (--hosts) names the file")
                .hasMessageContaining("which does not exist");
        assertThatThrownBy(() -> HostsFile.parse("alice@", DEFAULTS))
                .hasMessageContaining("is not 'user@host[:port][/slots]'");
    }

    @Test
    void validateRefusesWhatUpCouldNotDo() {
        SshProvider provider = new SshProvider();
        assertThatThrownBy(() -> provider.validate(context(Map.of()))).hasMessageContaining("set ssh.hosts (--hosts)");
        assertThatThrownBy(() -> provider.validate(context(Map.of("ssh.hosts", "a/2,b/1", "adapt.max", "4"))))
                .hasMessage("adapt.max (--adapt) is 4, more workers than the hosts have slots for (3): lower it, or"
                        + " give the hosts more slots");
        assertThatThrownBy(() -> provider.validate(context(Map.of("ssh.hosts", "a", "ssh.identity", "/no/such/key"))))
                .hasMessageContaining("the identity file /no/such/key does not exist");
        assertThatThrownBy(() -> provider.validate(context(Map.of("ssh.hosts", "a", "ssh.connect-timeout", "soon"))))
                .hasMessageContaining("ssh.connect-timeout");
    }

    @Test
    void javaVersionsAreReadAsFeatureReleases() {
        assertThat(SshProvider.feature("17")).isEqualTo(17);
        assertThat(SshProvider.feature("21.0.2")).isEqualTo(21);
        assertThat(SshProvider.feature("1.8")).isEqualTo(8);
        assertThat(SshProvider.feature("garbage")).isZero();
    }

    private ClusterContext context(Map<String, String> options) {
        return new ClusterContext("c", "abc123", dir, options);
    }
}
