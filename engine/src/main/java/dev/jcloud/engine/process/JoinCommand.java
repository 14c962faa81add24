package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.join.Joined;
import dev.jcloud.engine.internal.join.Joiner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jcloud join HOST:PORT --token-file F --out DIR}: a user holding a fixed cluster's join
 * token (from the cloud's secret store) gets a client certificate, so that any tool connects with
 * {@code mutualTls} as to a provisioned cluster.
 */
public record JoinCommand(String schedulerAddress, Path tokenFile, Path out, String name, String timeout)
        implements Callable<Integer> {

    /** The command's flags, for this process's parser and for the {@code jcloud join} command. */
    public static final ProcessFlags.Role ROLE = new ProcessFlags.Role(
            "join",
            "Get a client certificate from a scheduler that admits holders of the cluster's join token (clusters"
                    + " from jcloud export-terraform); writes client.pem, client-key.pem (0600), ca.pem,"
                    + " dashboard-token (0600) and server-name into DIR.",
            "ADDRESS",
            "The scheduler, host:port.",
            List.of(
                    new ProcessFlags.Flag(
                            "--token-file",
                            "FILE",
                            null,
                            "File holding the cluster's join token (default: $" + JoinToken.FILE_ENV + ")."
                                    + " The file, never the token, goes on the command line."),
                    new ProcessFlags.Flag(
                            "--out",
                            "DIR",
                            null,
                            "Directory for the credentials (made owner-only when new); required."),
                    new ProcessFlags.Flag(
                            "--name", "NAME", "client", "Name in the certificate and the scheduler's log."),
                    new ProcessFlags.Flag("--timeout", "DURATION", "30s", "Give up after this long.")));

    /** The command its flags ask for (after the command's name). */
    public static JoinCommand parse(List<String> args) {
        return from(ProcessFlags.parse(ROLE, args));
    }

    static JoinCommand from(ProcessFlags p) {
        Path out = p.path("--out");
        if (out == null && !p.help()) {
            throw new IllegalArgumentException("--out is required: the directory for the credentials");
        }
        return new JoinCommand(p.word(), p.path("--token-file"), out, p.string("--name"), p.string("--timeout"));
    }

    @Override
    public Integer call() throws Exception {
        ProcessArgs.checkAddress("ADDRESS", schedulerAddress);
        Path file = tokenFile != null ? tokenFile : JoinToken.defaultFile();
        if (file == null) {
            throw new IllegalArgumentException("--token-file: give the file holding the cluster's join token (or set $"
                    + JoinToken.FILE_ENV + ")");
        }
        JoinToken token = JoinToken.read(file, "--token-file");
        Duration patience = ProcessArgs.duration("--timeout", timeout);
        Joined joined = Joiner.join(schedulerAddress, token, JoinProtocol.ROLE_CLIENT, name, patience);
        joined.writeTo(out, "client");
        Joined.writeDashboardToken(out, token.dashboardToken());
        Path dir = out.toAbsolutePath();
        System.out.println("joined " + schedulerAddress + "; credentials in " + dir + " (the certificates name '"
                + joined.serverName() + "')");
        System.out.println("connect with: Client.builder(\"" + schedulerAddress + "\").mutualTls("
                + dir.resolve("client.pem")
                + ", " + dir.resolve("client-key.pem") + ", " + dir.resolve("ca.pem") + ", \"" + joined.serverName()
                + "\")");
        System.out.println("dashboard and /metrics: Authorization: Bearer <" + dir.resolve("dashboard-token")
                + ">, or http://SCHEDULER-HOST:8787/?token=<it> in a browser");
        return 0;
    }
}
