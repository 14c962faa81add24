package dev.jcloud.cli;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud cluster credentials NAME --out DIR}: what another machine needs to connect to a
 * TLS cluster — the client certificate and its key (0600, in a 0700 directory), the cluster CA,
 * the dashboard's token, and how to connect. The CA's own key never leaves this machine.
 */
@Command(
        name = "credentials",
        mixinStandardHelpOptions = true,
        description = {
            "Export what another machine needs to connect to a TLS cluster.",
            "The directory holds a client certificate and key, the cluster CA and a connect snippet."
                    + " Copy it over a secure channel."
        })
final class ClusterCredentialsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Directory to write (created, mode 0700).")
    Path out;

    @Override
    public Integer call() {
        Provisioner provisioner = ClusterCommand.provisioner();
        ClusterRecord record = provisioner
                .find(name)
                .orElseThrow(
                        () -> new UserFailure("no cluster named " + name + " is running (see 'jcloud cluster list')"));
        if (!ClusterTrust.enabled(record.options())) {
            throw new UserFailure("cluster " + name + " does not use TLS: there are no credentials to export"
                    + " (its scheduler accepts plain connections from where it is reachable)");
        }
        TlsFiles client =
                ClusterTrust.clientFiles(provisioner.store().clusterDir(name).resolve(ClusterTrust.DIRECTORY));
        try {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out: " + out + " exists and is not a directory");
            }
            Files.createDirectories(out);
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwx------"));
            copy(client.certificate(), out.resolve("client.pem"), "rw-r--r--");
            copy(client.privateKey(), out.resolve("client-key.pem"), "rw-------");
            copy(client.ca(), out.resolve("ca.pem"), "rw-r--r--");
            Path token = client.ca().resolveSibling(DashboardLogin.FILE);
            boolean dashboard = Files.isRegularFile(token) && record.dashboard() != null;
            if (dashboard) {
                copy(token, out.resolve(DashboardLogin.FILE), "rw-------");
            }
            String serverName = client.serverName() == null ? "" : client.serverName();
            Files.writeString(
                    out.resolve("connect.txt"),
                    String.join(
                            "\n",
                            "scheduler:   " + record.scheduler(),
                            "server name: " + (serverName.isEmpty() ? "(the scheduler's address)" : serverName),
                            "",
                            "Java:",
                            "  Client.builder(\"" + record.scheduler() + "\")",
                            "        .mutualTls(Path.of(\"client.pem\"), Path.of(\"client-key.pem\"), Path.of(\"ca.pem\")"
                                    + (serverName.isEmpty() ? "" : ", \"" + serverName + "\"") + ")",
                            "        .connect();",
                            "",
                            dashboard
                                    ? "dashboard:   http://" + record.dashboard() + "/?token=<the content of "
                                            + DashboardLogin.FILE + ">\n"
                                            + "metrics:     http://" + record.dashboard()
                                            + "/metrics with 'Authorization: Bearer <token>'"
                                            + " (Prometheus: authorization.credentials_file)\n"
                                    : "",
                            ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf(
                "wrote the credentials of cluster %s to %s (client-key.pem and %s are secret: keep them 0600)%n",
                name, out, DashboardLogin.FILE);
        w.flush();
        return 0;
    }

    private static void copy(Path from, Path to, String mode) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }
}
