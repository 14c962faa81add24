package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.join.Joined;
import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Parameters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code jcloud join HOST:PORT --token-file F --out DIR}: a user holding a fixed cluster's join
 * token (from the cloud's secret store) gets a client certificate, so that any tool connects with
 * {@code mutualTls} as to a provisioned cluster.
 */
@Command(
        name = "join",
        mixinStandardHelpOptions = true,
        description = "Get a client certificate from a scheduler that admits holders of the cluster's join token"
                + " (clusters from jcloud export-terraform); writes client.pem, client-key.pem (0600), ca.pem,"
                + " dashboard-token (0600) and server-name into DIR.")
public final class JoinCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ADDRESS", description = "The scheduler, host:port.")
    String schedulerAddress;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding the cluster's join token (default: $" + JoinToken.FILE_ENV + ")."
                    + " The file, never the token, goes on the command line.")
    Path tokenFile;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            required = true,
            description = "Directory for the credentials (made owner-only when new).")
    Path out;

    @Option(names = "--name", defaultValue = "client", description = "Name in the certificate and the scheduler's log.")
    String name;

    @Option(
            names = "--timeout",
            defaultValue = "30s",
            description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    String timeout;

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
