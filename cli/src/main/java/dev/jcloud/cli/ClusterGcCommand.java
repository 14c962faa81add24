package dev.jcloud.cli;

import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.GcReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud cluster gc --provider P}: lists the resources jcloud tagged whose cluster has no
 * live scheduler, from any machine (the cloud is the source of truth); {@code --delete} removes them.
 */
@Command(
        name = "gc",
        mixinStandardHelpOptions = true,
        description = {
            "List resources jcloud created whose cluster has no live scheduler.",
            "Such resources are left by a crash or an interrupted down; --delete removes them."
                    + " Uses the provider settings of the configuration."
        })
final class ClusterGcCommand implements Callable<Integer>, ProviderFlags.Taker {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    CloudSearchOptions cloud;

    @Option(names = "--delete", description = "Delete what is found (default: only list it).")
    boolean delete;

    @Option(names = "--dry-run", description = "Only list (the default; wins over --delete).")
    boolean dryRun;

    @Option(
            names = "--min-age",
            paramLabel = "DURATION",
            defaultValue = "1h",
            description = "Leave resources younger than this alone: a cluster being created has them before its"
                    + " scheduler starts (default: ${DEFAULT-VALUE}).")
    String minAge;

    @Override
    public Integer call() {
        if (!cloud.given()) {
            throw new IllegalArgumentException("--provider is required: one of "
                    + String.join(", ", CloudProviders.load().available()));
        }
        Map.Entry<String, Map<String, String>> search =
                cloud.resolve(common, spec.commandLine().getParseResult());
        String name = search.getKey();
        CloudProvider p = CloudProviders.load().require(name);
        if (!p.remote()) {
            throw new IllegalArgumentException("--provider: gc is for providers of remote machines;"
                    + " 'jcloud cluster list' already removes " + name + " clusters whose processes are gone");
        }
        Duration age = Durations.parse(minAge);
        boolean dry = dryRun || !delete;
        GcReport report = p.gc(search.getValue(), dry, age);

        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            List<Map<String, Object>> items = new ArrayList<>();
            for (GcReport.Item i : report.items()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("cluster", i.clusterName());
                m.put("cluster_id", i.clusterId());
                m.put("kind", i.kind());
                m.put("id", i.id());
                items.add(m);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("deleted", report.deleted());
            json.put("items", items);
            OutputOptions.printJson(out, json);
            return 0;
        }
        if (report.items().isEmpty()) {
            out.printf("nothing left behind by %s clusters (older than %s)%n", name, Durations.format(age));
        } else {
            for (GcReport.Item i : report.items()) {
                out.printf("  %-16s %-40s cluster %s (%s)%n", i.kind(), i.id(), i.clusterName(), i.clusterId());
            }
            out.printf(
                    report.deleted()
                            ? "deleted what %d cluster(s) left behind%n"
                            : "%d cluster(s) left these behind; run again with --delete to remove them%n",
                    report.clusterIds().size());
        }
        out.flush();
        return 0;
    }
}
