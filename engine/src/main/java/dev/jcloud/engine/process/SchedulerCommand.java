package dev.jcloud.engine.process;

import dev.jcloud.engine.scheduler.DashboardToken;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Mixin;
import dev.jcloud.picocli.CommandLine.Option;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jcloud scheduler}: runs a scheduler in this process until it is shut down. */
@Command(
        name = "scheduler",
        mixinStandardHelpOptions = true,
        description = "Run a scheduler (the role of dask-scheduler) until it is shut down or idle.")
public final class SchedulerCommand implements Callable<Integer> {

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "8786",
            description = "Engine port, 0 = any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--dashboard-port",
            defaultValue = "8787",
            description = "Dashboard and /metrics port, 0 = any free port, -1 = off (default: ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Option(
            names = "--idle-timeout",
            defaultValue = "0",
            description = "Shut down after no tasks and no clients for this long, e.g. 20m (default: never).")
    String idleTimeout;

    @Option(
            names = "--no-client-timeout",
            defaultValue = "0",
            description = "Shut down after no client for this long even with work queued (default: never).")
    String noClientTimeout;

    @Option(names = "--address-file", description = "Write the bound addresses here (JSON) once listening.")
    Path addressFile;

    @Option(
            names = "--cluster-spec",
            paramLabel = "JSON|@FILE",
            description = "The cluster this scheduler runs (from jcloud cluster up): lets the in-cluster controller"
                    + " scale it and remove it when idle.")
    String clusterSpec;

    @Option(
            names = "--dashboard-token-file",
            paramLabel = "FILE",
            description = "The dashboard and /metrics require the token in FILE (Authorization: Bearer, or ?token= once"
                    + " for a browser session). The file, never the token, goes on the command line.")
    Path dashboardTokenFile;

    @Mixin
    TlsOptions tls = new TlsOptions();

    @Mixin
    JoinTokenOption joinToken = new JoinTokenOption();

    @Override
    public Integer call() throws Exception {
        ProcessArgs.checkPort("--port", port, 0);
        ProcessArgs.checkPort("--dashboard-port", dashboardPort, -1);
        var token = joinToken.token(tls);
        PlaintextExposure.check("scheduler", "run code here", host, port, token != null || tls.given(), tls.insecure);
        var security = token != null
                ? dev.jcloud.engine.internal.join.JoinService.schedulerSecurity(token, JoinTokenOption.serverName(tls))
                : tls.security();
        SchedulerOptions options = new SchedulerOptions(
                        host,
                        port,
                        dashboardPort,
                        ProcessArgs.duration("--idle-timeout", idleTimeout),
                        ProcessArgs.duration("--no-client-timeout", noClientTimeout),
                        addressFile)
                .withClusterSpec(clusterSpec == null ? null : readSpec(clusterSpec))
                .withDashboardToken(
                        dashboardTokenFile != null
                                ? DashboardToken.readFile(dashboardTokenFile)
                                // A cluster that admits by join token shows task data only to its holders too.
                                : token != null ? DashboardToken.of(token.dashboardToken()) : null);
        try (SchedulerServer server = SchedulerServer.start(options, security)) {
            System.out.println("scheduler at " + server.address()
                    + (server.dashboardUrl() == null ? "" : ", dashboard at " + server.dashboardUrl()));
            server.awaitTermination();
        }
        return 0;
    }

    private static String readSpec(String value) throws java.io.IOException {
        if (value.startsWith("@")) {
            return java.nio.file.Files.readString(Path.of(value.substring(1)));
        }
        return value;
    }
}
