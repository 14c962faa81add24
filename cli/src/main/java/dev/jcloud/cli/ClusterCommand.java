package dev.jcloud.cli;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import picocli.CommandLine.Command;

/** {@code jcloud cluster}: the group of cluster lifecycle commands. */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = "Start, inspect, resize and stop clusters.",
        subcommands = {
            ClusterUpCommand.class,
            ClusterListCommand.class,
            ClusterStatusCommand.class,
            ClusterScaleCommand.class,
            ClusterDownCommand.class,
            ClusterLogsCommand.class,
            ClusterCredentialsCommand.class,
            ClusterDashboardCommand.class,
            ClusterGcCommand.class,
            ClusterAdaptCommand.class
        })
final class ClusterCommand {

    /** The provisioner over every provider in this build and the user's state directory. */
    static Provisioner provisioner() {
        return new Provisioner(CloudProviders.load(), ClusterStateStore.forUser());
    }
}
