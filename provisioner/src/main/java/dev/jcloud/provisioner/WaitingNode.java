package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

/**
 * A node the platform was asked for and has not started: a batch job pending in its queue, a pod
 * no Kubernetes node can take. Capacity requested but not running: nothing runs on it, nothing
 * is stored on it, and on a batch system nothing is charged for it yet, so removing it is the
 * cheapest way to shrink a cluster.
 *
 * @param node        the node as {@link CloudProvider#nodes} lists it
 * @param description one line with the platform's reason, as {@code cluster status} shows it
 */
public record WaitingNode(Node node, String description) {

    public WaitingNode {
        requireNonNull(node, "node is null");
        requireNonNull(description, "description is null");
    }
}
