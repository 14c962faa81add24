package dev.jcloud.cli;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud cluster dashboard NAME}: the one address that opens the cluster's dashboard in a
 * browser. With TLS it carries the cluster's dashboard token (the browser trades it for a session
 * cookie and drops it from the address bar), which is why it is printed only when asked for and
 * not by {@code cluster up}.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Print the address that opens the cluster's dashboard in a browser (signed in with the",
                "cluster's dashboard token when it has one: treat the address as a secret)."})
final class ClusterDashboardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @Override
    public Integer call() {
        Provisioner provisioner = ClusterCommand.provisioner();
        ClusterRecord record = provisioner.find(name).orElseThrow(() -> new UserFailure(
                "no cluster named " + name + " is running (see 'jcloud cluster list')"));
        String link = provisioner.dashboardLink(record);
        if (link == null) {
            throw new UserFailure("cluster " + name + " has no dashboard");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(link);
        out.flush();
        return 0;
    }
}
