package dev.jcloud.cli;

import dev.jcloud.provisioner.ClusterRecord;
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
import picocli.CommandLine.Spec;

/** {@code jcloud cluster list}: the clusters that are running (checked, not just remembered). */
@Command(
        name = "list",
        aliases = "ls",
        mixinStandardHelpOptions = true,
        description = {
            "List running clusters.",
            "Clusters whose processes or machines are gone are cleaned from the local state and not shown."
        })
final class ClusterListCommand implements Callable<Integer>, ProviderFlags.Taker {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Mixin
    CloudSearchOptions cloud;

    @Override
    public Integer call() {
        var provisioner = ClusterCommand.provisioner();
        if (cloud.given()) {
            var search = cloud.resolve(common, spec.commandLine().getParseResult());
            provisioner.discover(search.getKey(), search.getValue()); // remembered, so list shows them
        }
        List<ClusterRecord> clusters = provisioner.list();
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            List<Map<String, Object>> json = new ArrayList<>();
            for (ClusterRecord r : clusters) {
                json.add(summary(r));
            }
            OutputOptions.printJson(out, json);
            return 0;
        }
        if (clusters.isEmpty()) {
            out.println("no clusters are running");
            out.flush();
            return 0;
        }
        String format = "%-24s %-9s %7s  %-21s %-21s %s%n";
        out.printf(format, "NAME", "PROVIDER", "WORKERS", "SCHEDULER", "DASHBOARD", "AGE");
        for (ClusterRecord r : clusters) {
            out.printf(
                    format,
                    r.name(),
                    r.provider(),
                    r.workers().size(),
                    orDash(r.scheduler()),
                    orDash(r.dashboard()),
                    age(r.createdAtMillis()));
        }
        out.flush();
        return 0;
    }

    /** The JSON form of a cluster used by {@code up}, {@code list} and {@code status}. */
    static Map<String, Object> summary(ClusterRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("provider", r.provider());
        m.put("scheduler", r.scheduler());
        m.put("dashboard", r.dashboard());
        m.put("workers", r.workers().size());
        m.put("created_at_ms", r.createdAtMillis());
        m.put("owner_pid", r.ownerPid() == 0 ? null : r.ownerPid());
        return m;
    }

    static String orDash(String s) {
        return s == null ? "-" : s;
    }

    static String age(long createdAtMillis) {
        Duration d = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - createdAtMillis));
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m" + d.toSecondsPart() + "s";
        }
        return d.toSeconds() + "s";
    }
}
