package dev.jcloud.terraform;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Records of running clusters for the export tests: cluster {@code prod}, 3 threads and 5GiB per worker. */
public final class Records {

    /** The engine checksum the records' options give. */
    public static final String SHA = "e".repeat(64);

    private Records() {}

    public static ClusterRecord record(String provider, int workers, Map<String, String> options) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("i-0", "prod-scheduler", NodeRole.SCHEDULER));
        for (int i = 1; i <= workers; i++) {
            nodes.add(new Node("i-" + i, "prod-worker-" + i, NodeRole.WORKER));
        }
        return new ClusterRecord(
                "prod",
                "0123456789ab",
                provider,
                "10.0.0.1:8786",
                null,
                0L,
                3,
                "5GiB",
                "60s",
                "20m",
                workers + 1,
                nodes,
                options,
                0L);
    }
}
