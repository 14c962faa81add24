package dev.jcloud.cli;

import dev.jcloud.provisioner.ClusterRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster scale NAME N}. */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description = {
            "Set the number of workers of a running cluster.",
            "New ones start and register; surplus ones are retired gracefully (their results move to other"
                    + " workers first) and stop."
        })
final class ClusterScaleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name.")
    String name;

    @Parameters(index = "1", paramLabel = "N", description = "The number of workers wanted, >= 0.")
    int workers;

    @Override
    public Integer call() {
        if (workers < 0) {
            throw new IllegalArgumentException("N must be >= 0 (was " + workers + ")");
        }
        ClusterRecord r = ClusterCommand.provisioner().scale(name, workers, Duration.ofMinutes(2));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("cluster %s now has %d workers%n", r.name(), r.workers().size());
        out.flush();
        return 0;
    }
}
