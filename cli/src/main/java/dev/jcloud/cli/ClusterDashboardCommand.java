package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud cluster dashboard NAME}: opens the cluster's dashboard for a browser. A cluster with
 * TLS serves it over HTTPS with its own CA, which browsers do not know; so by default this forwards
 * a loopback port to it ({@link DashboardForwarder}) and prints the loopback address with the
 * cluster's dashboard token (the browser trades it for a session cookie and drops it from the
 * address bar). That address holds the token, which is why it is printed only when asked for and
 * not by {@code cluster up}. {@code --print} prints the direct HTTPS address instead.
 */
@Command(
        name = "dashboard",
        mixinStandardHelpOptions = true,
        description = {
            "Open the cluster's dashboard in a browser.",
            "Forwards a loopback port to its HTTPS dashboard (clusters with TLS) and prints the address that"
                    + " signs a browser in (it holds the dashboard token: keep it to yourself). Runs until Ctrl-C."
        })
final class ClusterDashboardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @Option(
            names = "--print",
            description = "Only print the dashboard's own address (HTTPS with the cluster's CA"
                    + " for clusters with TLS: import tls/ca.pem from 'jcloud cluster credentials' into the browser).")
    boolean print;

    @Option(
            names = "--for",
            paramLabel = "DURATION",
            description = "Stop forwarding after this long (default: until Ctrl-C).")
    String forDuration;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Provisioner provisioner = ClusterCommand.provisioner();
        ClusterRecord record = provisioner
                .find(name)
                .orElseThrow(
                        () -> new UserFailure("no cluster named " + name + " is running (see 'jcloud cluster list')"));
        String link = provisioner.dashboardLink(record);
        if (link == null) {
            throw new UserFailure("cluster " + name + " has no dashboard");
        }
        Duration limit;
        try {
            limit = forDuration == null ? null : Durations.parse(forDuration);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--for: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        Optional<String> token = provisioner.dashboardToken(record);
        if (print || token.isEmpty()) {
            out.println(link);
            out.flush();
            return 0;
        }
        String upstream = provisioner.dashboardUrl(record, "");
        try (DashboardForwarder forwarder =
                DashboardForwarder.start(provisioner.dashboardClient(record, Duration.ofSeconds(10)), upstream)) {
            out.println(forwarder.url() + "/?token=" + token.get());
            out.printf(
                    "(forwarding to %s over TLS checked against the cluster's CA; %s)%n",
                    upstream, limit == null ? "Ctrl-C to stop" : "for " + Durations.format(limit));
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(stopped::countDown, "jcloud-dashboard-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (limit == null) {
                    stopped.await();
                } else {
                    stopped.await(limit.toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what ended the wait
                }
            }
        }
        return 0;
    }
}
