package dev.jcloud.cli;

import dev.jcloud.provisioner.DownResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster down NAME}: stop everything; safe to repeat. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        description = {
            "Stop a cluster: the scheduler and every worker, then remove its state.",
            "Stopping a cluster that is already gone succeeds."
        })
final class ClusterDownCommand implements Callable<Integer>, ProviderFlags.Taker {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name.")
    String name;

    @Mixin
    CloudSearchOptions cloud;

    @Override
    public Integer call() {
        try {
            dev.jcloud.provisioner.ClusterNames.check(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NAME: " + e.getMessage());
        }
        var provisioner = ClusterCommand.provisioner();
        if (cloud.given() && provisioner.store().load(name).isEmpty()) {
            // Started on another machine: find it by its tags first.
            var search = cloud.resolve(common, spec.commandLine().getParseResult());
            provisioner.discover(search.getKey(), search.getValue());
        }
        DownResult result = provisioner.down(name, Duration.ofSeconds(10));
        PrintWriter out = spec.commandLine().getOut();
        switch (result) {
            case STOPPED -> out.printf("cluster %s stopped: no process of it is left%n", name);
            case ALREADY_STOPPED ->
                out.printf("cluster %s had already stopped; removed what was left of its state%n", name);
            case UNKNOWN ->
                out.printf(
                        "no cluster named %s is known here%s; nothing to stop%n",
                        name, cloud.given() ? " or in " + cloud.provider : " (add --provider to look in a cloud)");
        }
        out.flush();
        return 0;
    }
}
