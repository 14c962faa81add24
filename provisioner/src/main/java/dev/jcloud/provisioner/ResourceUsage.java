package dev.jcloud.provisioner;

/**
 * The compute a cluster has used, counted as a research computing site charges a project's
 * allocation: core-hours, rather than money.
 *
 * @param coreHours        core-hours used so far by the cluster's jobs, ended ones included
 * @param coreHoursPerHour core-hours the cluster uses per hour as it is now: the cores its running
 *                         jobs hold
 * @param source           where the figures come from, for the user to judge them (the batch
 *                         system's accounting, or elapsed time times cores of the jobs it lists)
 */
public record ResourceUsage(double coreHours, double coreHoursPerHour, String source) {

    public ResourceUsage {
        if (!(coreHours >= 0) || !(coreHoursPerHour >= 0)) {
            throw new IllegalArgumentException(
                    "core-hours must be >= 0 (was " + coreHours + " and " + coreHoursPerHour + " per hour)");
        }
        java.util.Objects.requireNonNull(source, "source is null");
    }
}
