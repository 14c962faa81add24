package dev.jcloud.provisioner;

/**
 * What {@link Provisioner#up} reports as it goes, for a terminal ({@code network, security group,
 * identity ✓ ... workers 7/10}). Called on the thread running {@code up}; must return quickly.
 */
@FunctionalInterface
public interface UpProgress {

    /** Reports nothing. */
    UpProgress NONE = (step, seconds) -> {};

    /**
     * A step finished, or (for {@code workers n/N}) advanced.
     *
     * @param step    e.g. {@code shared resources (network, firewall, identity)}, {@code workers 3/10}
     * @param seconds seconds since {@code up} started
     */
    void step(String step, double seconds);
}
