package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

/**
 * One machine, container or process of a cluster, as its provider sees it.
 *
 * @param id   the provider's identifier (a process id, an EC2 instance id, a task ARN...)
 * @param name the node's name; for a worker the same name the scheduler knows it by
 *             ({@code <cluster>-worker-<n>}), so that one identity is used everywhere
 * @param role what it runs
 */
public record Node(String id, String name, NodeRole role) {

    public Node {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(role, "role is null");
    }
}
