package dev.jcloud.provisioner;

/** What {@link Provisioner#down} found. */
public enum DownResult {
    /** The cluster was running and has been stopped. */
    STOPPED,
    /** The cluster was known but its nodes were already gone; its state has been removed. */
    ALREADY_STOPPED,
    /** No cluster of that name is known here. */
    UNKNOWN
}
