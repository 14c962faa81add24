package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcloud cluster adapt NAME --min 2 --max 100}: new adaptive bounds for a running cluster. */
@Command(
        name = "adapt",
        mixinStandardHelpOptions = true,
        description = {
            "Change the adaptive scaling of a running cluster.",
            "From now on its in-cluster controller keeps between --min and --max workers (a hard limit);"
                    + " --off keeps the workers it has."
        })
final class ClusterAdaptCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name (see 'jcloud cluster list').")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @ArgGroup(exclusive = false)
        Bounds bounds;

        @Option(names = "--off", required = true, description = "Stop adapting; keep the current workers.")
        boolean off;
    }

    static final class Bounds {
        @Option(names = "--min", required = true, paramLabel = "N", description = "Fewest workers, >= 0.")
        int min;

        @Option(names = "--max", required = true, paramLabel = "N", description = "Most workers, a hard limit, >= 1.")
        int max;

        @Option(
                names = "--target-duration",
                paramLabel = "DURATION",
                description = "Seconds of queued work per worker to aim for (default: the cluster's, 5s).")
        String target;
    }

    @Override
    public Integer call() {
        String value;
        if (mode.off) {
            value = "off";
        } else {
            Bounds b = mode.bounds;
            if (b.min < 0 || b.max < 1 || b.max < b.min) {
                throw new IllegalArgumentException(
                        "--min/--max: need 0 <= min <= max and max >= 1 (was " + b.min + ":" + b.max + ")");
            }
            value = b.min + ":" + b.max;
            if (b.target != null) {
                value += ":" + Durations.format(Durations.parse(b.target));
            }
        }
        String answer = ClusterCommand.provisioner().adapt(name, value);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("cluster %s: %s%n", name, answer);
        out.flush();
        return 0;
    }
}
