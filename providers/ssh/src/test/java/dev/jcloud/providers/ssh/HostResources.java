package dev.jcloud.providers.ssh;

import dev.jcloud.provisioner.contract.PlatformResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What clusters hold on the namespace hosts, read straight from their directories and process
 * table (namespaces share this machine's), not through the provider: cluster directories, live
 * process groups named by pidfiles, and cluster keys in the authorized_keys files.
 */
final class HostResources {

    private static final Pattern KEY = Pattern.compile("jcloud-cluster-([a-z0-9-]+)");

    private HostResources() {}

    static List<PlatformResource> list(NamespaceHosts fixture) {
        List<PlatformResource> out = new ArrayList<>();
        for (NamespaceHosts.Host h : fixture.hosts()) {
            Path clusters = h.jcloudDir().resolve("clusters");
            if (Files.isDirectory(clusters)) {
                try (Stream<Path> dirs = Files.list(clusters)) {
                    for (Path d : dirs.toList()) {
                        out.add(PlatformResource.of("directory", h.name() + ":" + d.getFileName(), clusterId(d)));
                        Path pids = d.resolve("pids");
                        if (Files.isDirectory(pids)) {
                            try (Stream<Path> files = Files.list(pids)) {
                                for (Path f : files.filter(p -> p.toString().endsWith(".pid"))
                                        .toList()) {
                                    String[] p = read(f).strip().split(" ");
                                    if (p.length > 1 && alive(Long.parseLong(p[0]))) {
                                        out.add(PlatformResource.of("process", h.name() + ":" + p[0], p[1]));
                                    }
                                }
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Matcher m = KEY.matcher(read(h.authorizedKeys()));
            while (m.find()) {
                out.add(PlatformResource.of("authorized-key", h.name() + ":" + m.group(1), m.group(1)));
            }
        }
        return out;
    }

    /** Live processes anywhere on this machine whose command line carries {@code clusterId}. */
    static List<Long> processesOf(String clusterId) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(ph -> {
            try {
                String cmd = Files.readString(Path.of("/proc", Long.toString(ph.pid()), "cmdline"));
                if (cmd.contains("jcloud.cluster-id=" + clusterId)
                        || cmd.contains(" " + clusterId + " ")
                        || cmd.contains("\0" + clusterId + " ")) {
                    out.add(ph.pid());
                }
            } catch (IOException | RuntimeException e) {
                // gone, or not readable
            }
        });
        return out;
    }

    /** Every log of cluster {@code clusterId} (null: of every cluster) on the hosts, for a failed test's message. */
    static String logs(NamespaceHosts fixture, String clusterId) {
        StringBuilder out = new StringBuilder();
        for (NamespaceHosts.Host h : fixture.hosts()) {
            Path clusters = h.jcloudDir().resolve("clusters");
            if (!Files.isDirectory(clusters)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(clusters, 3)
                    .filter(f -> f.getParent().getFileName().toString().equals("logs"))
                    .filter(f -> clusterId == null
                            || f.getParent()
                                    .getParent()
                                    .getFileName()
                                    .toString()
                                    .equals(clusterId))) {
                for (Path f : files.sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    out.append("== ")
                            .append(h.name())
                            .append(": ")
                            .append(f.getFileName())
                            .append('\n');
                    lines.subList(Math.max(0, lines.size() - 40), lines.size())
                            .forEach(l -> out.append("  ").append(l).append('\n'));
                }
            } catch (IOException e) {
                out.append("(cannot read ").append(clusters).append(")\n");
            }
        }
        return out.toString();
    }

    /** The host whose directories hold node {@code node}'s pidfile. */
    static String hostOfNode(NamespaceHosts fixture, String node) {
        for (NamespaceHosts.Host h : fixture.hosts()) {
            Path clusters = h.jcloudDir().resolve("clusters");
            try (Stream<Path> dirs = Files.isDirectory(clusters) ? Files.list(clusters) : Stream.empty()) {
                if (dirs.anyMatch(d -> Files.isRegularFile(d.resolve("pids").resolve(node + ".pid")))) {
                    return h.name();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new AssertionError("no pidfile of node " + node + " on any host");
    }

    /** The role in the pidfile of process {@code hostAndPgid} ({@code host:pgid}). */
    static String roleOf(NamespaceHosts fixture, String hostAndPgid) {
        String host = hostAndPgid.substring(0, hostAndPgid.indexOf(':'));
        String pgid = hostAndPgid.substring(hostAndPgid.indexOf(':') + 1);
        Path clusters = fixture.host(host).jcloudDir().resolve("clusters");
        try (Stream<Path> files = Files.walk(clusters, 3)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                String[] p = read(f).strip().split(" ");
                if (p.length >= 5 && p[0].equals(pgid)) {
                    return p[4];
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "?";
    }

    private static String clusterId(Path clusterDir) {
        Path f = clusterDir.resolve("cluster");
        return Files.isRegularFile(f) ? read(f).strip().split(" ")[0] : null;
    }

    private static boolean alive(long pgid) {
        return ProcessHandle.of(pgid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String read(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
