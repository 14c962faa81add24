package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Nodes of one role to start, each with its name and engine command. A provider starts them all
 * at once where it can (one API call, parallel processes) and returns without waiting for them
 * to register.
 */
public record LaunchRequest(NodeRole role, List<NodeLaunch> nodes) {

    public LaunchRequest {
        requireNonNull(role, "role is null");
        nodes = List.copyOf(nodes);
        for (NodeLaunch n : nodes) {
            if (n.command().role() != role) {
                throw new IllegalArgumentException(
                        n.name() + " runs a " + n.command().role().label() + ", not a " + role.label());
            }
        }
    }

    /** One node: its name and the engine command it runs. */
    public record NodeLaunch(String name, EngineCommand command) {
        public NodeLaunch {
            requireNonNull(name, "name is null");
            requireNonNull(command, "command is null");
        }
    }
}
