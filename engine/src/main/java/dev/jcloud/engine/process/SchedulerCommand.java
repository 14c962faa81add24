package dev.jcloud.engine.process;

import dev.jcloud.engine.scheduler.DashboardToken;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code scheduler}: runs a scheduler in this process until it is shut down, with the options its
 * flags give ({@link #ROLE}).
 */
public record SchedulerCommand(
        String host,
        int port,
        int dashboardPort,
        String idleTimeout,
        String noClientTimeout,
        Path addressFile,
        String clusterSpec,
        Path dashboardTokenFile,
        TlsOptions tls,
        Path joinTokenFile)
        implements Callable<Integer> {

    /** The role's flags, for this process's parser and for the {@code jcloud scheduler} command. */
    public static final ProcessFlags.Role ROLE = new ProcessFlags.Role(
            "scheduler",
            "Run a scheduler (the role of dask-scheduler) until it is shut down or idle.",
            null,
            null,
            flags());

    private static List<ProcessFlags.Flag> flags() {
        List<ProcessFlags.Flag> f = new ArrayList<>(List.of(
                new ProcessFlags.Flag("--host", "HOST", "0.0.0.0", "Interface to listen on."),
                new ProcessFlags.Flag("--port", "PORT", "8786", "Engine port, 0 = any free port."),
                new ProcessFlags.Flag(
                        "--dashboard-port",
                        "PORT",
                        "8787",
                        "Dashboard and /metrics port, 0 = any free port, -1 = off."),
                new ProcessFlags.Flag(
                        "--idle-timeout",
                        "DURATION",
                        "0",
                        "Shut down after no tasks and no clients for this long, e.g. 20m; 0 = never."),
                new ProcessFlags.Flag(
                        "--no-client-timeout",
                        "DURATION",
                        "0",
                        "Shut down after no client for this long even with work queued; 0 = never."),
                new ProcessFlags.Flag(
                        "--address-file", "FILE", null, "Write the bound addresses here (JSON) once listening."),
                new ProcessFlags.Flag(
                        "--cluster-spec",
                        "JSON|@FILE",
                        null,
                        "The cluster this scheduler runs (from jcloud cluster up): lets the in-cluster controller"
                                + " scale it and remove it when idle."),
                new ProcessFlags.Flag(
                        "--dashboard-token-file",
                        "FILE",
                        null,
                        "The dashboard and /metrics require the token in FILE (Authorization: Bearer, or ?token="
                                + " once for a browser session). The file, never the token, goes on the command"
                                + " line.")));
        f.addAll(TlsOptions.FLAGS);
        f.add(JoinTokenOption.SPEC);
        return List.copyOf(f);
    }

    /** The command its flags ask for (after the role's name). */
    public static SchedulerCommand parse(List<String> args) {
        return from(ProcessFlags.parse(ROLE, args));
    }

    static SchedulerCommand from(ProcessFlags p) {
        return new SchedulerCommand(
                p.string("--host"),
                p.integer("--port"),
                p.integer("--dashboard-port"),
                p.string("--idle-timeout"),
                p.string("--no-client-timeout"),
                p.path("--address-file"),
                p.string("--cluster-spec"),
                p.path("--dashboard-token-file"),
                TlsOptions.from(p),
                p.path(JoinTokenOption.FLAG));
    }

    @Override
    public Integer call() throws Exception {
        ProcessArgs.checkPort("--port", port, 0);
        ProcessArgs.checkPort("--dashboard-port", dashboardPort, -1);
        var token = JoinTokenOption.token(joinTokenFile, tls);
        PlaintextExposure.check("scheduler", "run code here", host, port, token != null || tls.given(), tls.insecure());
        var security = token != null
                ? dev.jcloud.engine.admission.JoinService.schedulerSecurity(token, JoinTokenOption.serverName(tls))
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
