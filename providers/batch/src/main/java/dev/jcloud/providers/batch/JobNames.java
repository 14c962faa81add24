package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.NodeRole;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Job names that carry the cluster: {@code jc_<cluster id>_<s|w>_<cluster name>}. Every batch
 * system shows a job's name to every command ({@code squeue}, {@code qstat}), so the cluster's jobs
 * are found by it from any login shell; cluster names never contain {@code _}.
 */
final class JobNames {

    private static final Pattern NAME = Pattern.compile("jc_([0-9a-f]{6,32})_([sw])([0-9]*)_([a-z][a-z0-9-]*)");

    private JobNames() {}

    /** What a job name says. */
    record Parsed(String clusterId, NodeRole role, String clusterName, int element) {}

    static String of(String clusterId, NodeRole role, String clusterName) {
        return "jc_" + clusterId + "_" + (role == NodeRole.SCHEDULER ? "s" : "w") + "_" + clusterName;
    }

    /**
     * The name of a plain job that stands for array element {@code element} (a shell expression),
     * on systems without one-element arrays: {@code jc_<id>_w<element>_<name>}.
     */
    static String ofElement(String clusterId, String element, String clusterName) {
        return "jc_" + clusterId + "_w" + element + "_" + clusterName;
    }

    static Optional<Parsed> parse(String jobName) {
        Matcher m = NAME.matcher(jobName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(
                m.group(1),
                m.group(2).equals("s") ? NodeRole.SCHEDULER : NodeRole.WORKER,
                m.group(4),
                m.group(3).isEmpty() ? -1 : Integer.parseInt(m.group(3))));
    }
}
