package dev.jcloud.provisioner.contract;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * One thing a provider made on its platform (a machine, a disk, a firewall rule, a role, a process),
 * as the platform reports it when listed <em>without</em> filtering by the cluster's tags, so that
 * an untagged resource shows up too.
 *
 * @param kind      what it is, in the platform's words ({@code instance}, {@code security-group}...)
 * @param id        the platform's identifier
 * @param clusterId the cluster id its tags or labels carry (the platform's spelling of
 *                  {@link dev.jcloud.provisioner.ClusterContext#ID_TAG}), empty when it carries none
 */
public record PlatformResource(String kind, String id, Optional<String> clusterId) {

    public PlatformResource {
        requireNonNull(kind, "kind is null");
        requireNonNull(id, "id is null");
        requireNonNull(clusterId, "clusterId is null");
    }

    /** A resource tagged with cluster {@code clusterId}, or untagged when it is null. */
    public static PlatformResource of(String kind, String id, String clusterId) {
        return new PlatformResource(kind, id, Optional.ofNullable(clusterId));
    }

    @Override
    public String toString() {
        return kind + " " + id + clusterId.map(c -> " (cluster " + c + ")").orElse(" (untagged)");
    }
}
