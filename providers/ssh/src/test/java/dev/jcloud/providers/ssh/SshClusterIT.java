package dev.jcloud.providers.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskContext;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusters on three real OpenSSH hosts (network namespaces; two behind a bastion): a task graph
 * computed across them, adaptive scaling within the hosts' slots by the in-cluster controller
 * (which reaches the hosts with the cluster's own key), idle teardown after the client was killed
 * with nothing left on any host, and the errors a user meets first: an unknown host key and a host
 * without Java.
 */
class SshClusterIT {

    @RegisterExtension
    static final NamespaceHosts HOSTS = new NamespaceHosts();

    @TempDir
    Path dir;

    @Test
    void computesAGraphAcrossTheHostsAndAdaptsWithinTheirSlots() throws Exception {
        String clusterId;
        try (SshCluster cluster = SshCluster.builder()
                        .name("it-graph")
                        .hosts(HOSTS.hostsFile())
                        .knownHosts(HOSTS.knownHosts())
                        .workers(2)
                        .adapt(1, 5) // the three hosts have 1 + 2 + 2 slots
                        .adaptTargetDuration(Duration.ofSeconds(1))
                        .adaptGoal("latency")
                        .stateDirectory(dir.resolve("state"))
                        .build();
                Client client = cluster.connect()) {
            clusterId = HostResources.list(HOSTS).stream()
                    .filter(r -> r.kind().equals("process"))
                    .map(r -> r.clusterId().orElseThrow())
                    .findFirst()
                    .orElseThrow();
            Set<String> initial = new TreeSet<>();
            client.summary().workers().forEach(w -> initial.add(w.name()));
            // A graph: where each part ran, then one task that combines them.
            List<Delayed<String>> parts = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                parts.add(Delayed.call(() -> {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
                    return TaskContext.workerName();
                }));
            }
            Delayed<List<String>> all = Delayed.all(parts).then(List::copyOf);
            List<String> ranOn = client.compute(all).get(120, TimeUnit.SECONDS);
            assertThat(ranOn).hasSize(12);
            Set<String> hosts = new TreeSet<>();
            for (String worker : Set.copyOf(ranOn)) {
                hosts.add(HostResources.hostOfNode(HOSTS, worker));
            }
            assertThat(hosts).as("hosts the graph ran on").hasSizeGreaterThanOrEqualTo(2);

            // Load far above the 1 s target: the controller starts workers on the hosts with free slots (over SSH,
            // with the cluster's key), never more than their 5 slots.
            List<TaskFuture<Long>> load = client.map(
                    x -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
                        return x;
                    },
                    LongStream.range(0, 120).boxed().toList());
            Set<String> seen = new TreeSet<>();
            int[] peak = {0};
            awaitOrShowLogs(clusterId, Duration.ofSeconds(150), () -> {
                List<String> now =
                        client.summary().workers().stream().map(w -> w.name()).toList();
                seen.addAll(now);
                peak[0] = Math.max(peak[0], now.size());
                peak[0] = (int) Math.max(peak[0], processesOfRole(clusterId, "worker"));
                return load.stream().allMatch(TaskFuture::isDone);
            });
            assertThat(client.gather(load)).hasSize(120);
            assertThat(seen).as("workers the controller started").anyMatch(n -> !initial.contains(n));
            assertThat(peak[0]).as("most workers at once").isBetween(3, 5);
            // Idle again: the controller retires workers down to the minimum and stops their processes.
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> client.summary().workers().size() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> processesOfRole(clusterId, "worker") == 1);
        }
        // close(): down stops every process on every host and removes the cluster's files and key.
        assertThat(HostResources.list(HOSTS))
                .noneMatch(r -> r.clusterId().orElse("").equals(clusterId));
        assertThat(HostResources.processesOf(clusterId)).isEmpty();
    }

    @Test
    void aKilledClientLeavesNothingOnAnyHostAfterTheIdleTimeout() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                KilledClientMain.class.getName(),
                HOSTS.hostsFile().toString(),
                HOSTS.knownHosts().toString(),
                dir.resolve("client-state").toString()));
        Process client = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        String clusterId = null;
        StringBuilder output = new StringBuilder();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("READY ")) {
                    clusterId = line.substring(6).strip();
                    break;
                }
            }
            assertThat(clusterId)
                    .as("the client's output:\n" + output + "\nlogs on the hosts:\n" + HostResources.logs(HOSTS, null))
                    .isNotNull();
            assertThat(HostResources.processesOf(clusterId)).hasSizeGreaterThanOrEqualTo(3);

            client.destroyForcibly(); // kill -9: no close(), no down
            assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            client.destroyForcibly();
        }
        String id = clusterId;
        // The scheduler sees no client and no task for its idle timeout (45 s): its controller stops the workers on
        // the other hosts, removes the cluster's files and key everywhere, and the scheduler exits.
        await().atMost(Duration.ofSeconds(90))
                .until(() -> HostResources.processesOf(id).isEmpty());
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(HostResources.list(HOSTS))
                        .noneMatch(r -> r.clusterId().orElse("").equals(id)));
    }

    @Test
    void anUnknownHostKeyIsRefusedWithItsFingerprintAndHowToAcceptIt() throws IOException {
        // The bastion is known, the hosts behind it are not.
        Path known = dir.resolve("known_hosts");
        String bastionLine = Files.readAllLines(HOSTS.knownHosts()).stream()
                .filter(l -> l.startsWith(NamespaceHosts.BASTION_ADDRESS + " "))
                .findFirst()
                .orElseThrow();
        Files.writeString(known, bastionLine + "\n");
        SshProvider provider = new SshProvider();
        ClusterContext ctx = context(
                "it-hostkey",
                Map.of(
                        SshSettings.HOSTS.path(), HOSTS.hostsFile().toString(),
                        SshSettings.KNOWN_HOSTS.path(), known.toString()));

        assertThatThrownBy(() -> provider.bootstrap(ctx))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("cannot connect to host h")
                .hasMessageContaining("is unknown")
                .hasMessageContaining("SHA256:")
                .hasMessageContaining(known.toString())
                .hasMessageMatching("(?s).*\\n  10\\.250\\.4[23]\\.2 ssh-ed25519 AAAA.*");
        // The bastion was reached and prepared: a provider that knows every host key removes what it got.
        provider.deleteSharedResources(new ClusterContext(
                ctx.name(),
                ctx.id(),
                ctx.workDir(),
                Map.of(
                        SshSettings.HOSTS.path(), HOSTS.hostsFile().toString(),
                        SshSettings.KNOWN_HOSTS.path(), HOSTS.knownHosts().toString())));
        assertThat(HostResources.list(HOSTS))
                .noneMatch(r -> r.clusterId().orElse("").equals(ctx.id()));
    }

    @Test
    void aHostWithoutJava17IsNamed() throws IOException {
        Path old = dir.resolve("java11");
        Files.writeString(old, "#!/bin/sh\necho '    java.specification.version = 11' >&2\n");
        old.toFile().setExecutable(true);
        SshProvider provider = new SshProvider();
        ClusterContext none = context(
                "it-nojava",
                Map.of(
                        SshSettings.HOSTS.path(),
                                HOSTS.hostsFileWith("h2", "java: /opt/no-such-jdk/bin/java")
                                        .toString(),
                        SshSettings.KNOWN_HOSTS.path(), HOSTS.knownHosts().toString()));
        ClusterContext eleven = context(
                "it-java11",
                Map.of(
                        SshSettings.HOSTS.path(),
                                HOSTS.hostsFileWith("h1", "java: " + old).toString(),
                        SshSettings.KNOWN_HOSTS.path(), HOSTS.knownHosts().toString()));
        try {
            assertThatThrownBy(() -> provider.bootstrap(none))
                    .isInstanceOf(ProvisionException.class)
                    .hasMessageContaining(
                            "host h2 (root@10.250.43.2) has no Java: '/opt/no-such-jdk/bin/java' is not" + " found")
                    .hasMessageContaining("'java:'");
            assertThatThrownBy(() -> provider.bootstrap(eleven))
                    .isInstanceOf(ProvisionException.class)
                    .hasMessageContaining("host h1 (root@10.250.42.2) has Java 11")
                    .hasMessageContaining("needs Java 17 or newer");
        } finally {
            provider.deleteSharedResources(none);
            provider.deleteSharedResources(eleven);
        }
    }

    private static void awaitOrShowLogs(String clusterId, Duration limit, java.util.concurrent.Callable<Boolean> done) {
        try {
            await().atMost(limit).until(done);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    e.getMessage() + "\nlogs of the cluster:\n" + HostResources.logs(HOSTS, clusterId), e);
        }
    }

    private ClusterContext context(String name, Map<String, String> options) throws IOException {
        ClusterContext ctx = new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), options);
        Files.createDirectories(ctx.workDir());
        return ctx;
    }

    private static long processesOfRole(String clusterId, String role) {
        Map<String, Long> byRole = new HashMap<>();
        for (PlatformResource r : HostResources.list(HOSTS)) {
            if (r.kind().equals("process") && r.clusterId().orElse("").equals(clusterId)) {
                byRole.merge(HostResources.roleOf(HOSTS, r.id()), 1L, Long::sum);
            }
        }
        return byRole.getOrDefault(role, 0L);
    }
}
