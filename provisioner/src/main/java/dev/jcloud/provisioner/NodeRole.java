package dev.jcloud.provisioner;

import java.util.Locale;

/** What a node of a cluster runs. */
public enum NodeRole {
    SCHEDULER,
    WORKER;

    /** The lower-case name used in tags, file names and engine subcommands. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
