package dev.jcloud.cli;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.Provisioner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud cluster logs NAME [--role scheduler|worker] [--node NODE] [--follow]}: the logs of
 * a cluster's nodes, from wherever the provider keeps them (process output for {@code local}), so
 * that reading them needs no shell on the machines. With several nodes each line starts with
 * {@code [node]}; with {@code --follow}, lines of all selected nodes interleave as they come until
 * every one of those nodes has stopped (or Ctrl-C).
 */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Print the logs of a cluster's scheduler and workers (all nodes unless --role or --node).")
final class ClusterLogsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @Option(
            names = "--role",
            paramLabel = "ROLE",
            description = "Only the scheduler or only the workers: scheduler | worker.")
    String role;

    @Option(
            names = "--node",
            paramLabel = "NODE",
            description =
                    "Only this node: its name (e.g. NAME-worker-1, see 'jcloud cluster status') or its provider id.")
    String node;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new lines until the nodes stop (Ctrl-C ends it).")
    boolean follow;

    @Override
    public Integer call() throws InterruptedException {
        NodeRole wanted = role == null ? null : parseRole(role);
        Provisioner provisioner = ClusterCommand.provisioner();
        ClusterRecord record = provisioner
                .find(name)
                .orElseThrow(
                        () -> new UserFailure("no cluster named " + name + " is running (see 'jcloud cluster list')"));
        CloudProvider provider = CloudProviders.load().require(record.provider());
        ClusterContext cluster = provisioner.context(record);
        List<Node> all = new ArrayList<>(provider.nodes(cluster));
        // The scheduler first, then workers in number order (worker-2 before worker-10).
        all.sort(Comparator.comparing((Node n) -> n.role() != NodeRole.SCHEDULER)
                .thenComparingInt(n -> trailingNumber(n.name()))
                .thenComparing(Node::name));
        List<Node> nodes = all.stream()
                .filter(n -> wanted == null || n.role() == wanted)
                .filter(n -> node == null || n.name().equals(node) || n.id().equals(node))
                .toList();
        if (nodes.isEmpty()) {
            if (node != null) {
                throw new IllegalArgumentException(
                        "--node " + node + " is not " + (wanted == null ? "a node" : "a " + wanted.label() + " node")
                                + " of cluster " + name + "; its nodes are: "
                                + String.join(", ", all.stream().map(Node::name).toList()));
            }
            throw new UserFailure(
                    "cluster " + name + " has no " + (wanted == null ? "" : wanted.label() + " ") + "node running");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean prefix = nodes.size() > 1;
        try {
            if (follow) {
                followAll(provider, cluster, nodes, prefix, out);
            } else {
                for (Node n : nodes) {
                    try (Stream<String> lines = provider.logs(cluster, n, false)) {
                        lines.forEach(l -> out.println(prefix ? "[" + n.name() + "] " + l : l));
                    }
                }
            }
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("--follow: " + e.getMessage(), e);
        }
        out.flush();
        return 0;
    }

    /** One reader thread per node; lines are printed from this thread only, in arrival order. */
    private static void followAll(
            CloudProvider provider, ClusterContext cluster, List<Node> nodes, boolean prefix, PrintWriter out)
            throws InterruptedException {
        // Bounded: a reader waits when the terminal is slower than the logs.
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>(10_000);
        List<Stream<String>> streams = new ArrayList<>();
        for (Node n : nodes) {
            streams.add(provider.logs(cluster, n, true));
        }
        List<Thread> readers = new ArrayList<>();
        RuntimeException[] failure = new RuntimeException[1];
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            Stream<String> s = streams.get(i);
            Thread t = new Thread(
                    () -> {
                        try {
                            s.forEach(l -> {
                                try {
                                    lines.put(prefix ? "[" + n.name() + "] " + l : l);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new IllegalStateException("interrupted");
                                }
                            });
                        } catch (RuntimeException e) {
                            if (!Thread.currentThread().isInterrupted()) {
                                failure[0] = e;
                            }
                        }
                    },
                    "jcloud-logs-" + n.name());
            t.setDaemon(true);
            t.start();
            readers.add(t);
        }
        try {
            while (readers.stream().anyMatch(Thread::isAlive) || !lines.isEmpty()) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    out.println(line);
                    if (lines.isEmpty()) {
                        out.flush();
                    }
                }
            }
        } finally {
            streams.forEach(Stream::close);
            readers.forEach(Thread::interrupt);
            out.flush();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static NodeRole parseRole(String role) {
        for (NodeRole r : NodeRole.values()) {
            if (r.label().equals(role.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("--role must be scheduler or worker (was '" + role + "')");
    }

    private static int trailingNumber(String s) {
        int i = s.length();
        while (i > 0 && Character.isDigit(s.charAt(i - 1))) {
            i--;
        }
        return i == s.length() || s.length() - i > 9 ? -1 : Integer.parseInt(s.substring(i));
    }
}
