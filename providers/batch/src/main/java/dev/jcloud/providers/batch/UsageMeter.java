package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ResourceUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The core-hours of one cluster's jobs. From the batch system's accounting where it keeps one
 * ({@code sacct}): exact, ended jobs included. Otherwise from the jobs it lists: elapsed time times
 * cores of each running job, and an ended job as it was last seen, so the figure is as good as
 * the interval it is asked at (the in-cluster controller asks every half minute).
 */
final class UsageMeter {

    private final String clusterId;
    /** Core-seconds of each job seen running, by job id: the last figure stays once it ended. */
    private final Map<String, Double> coreSeconds = new HashMap<>();

    UsageMeter(String clusterId) {
        this.clusterId = clusterId;
    }

    /** The cores a job of {@code role} holds: a worker its {@code --cores}, the scheduler's job one. */
    private static int cores(NodeRole role, int workerCores) {
        return role == NodeRole.WORKER ? workerCores : 1;
    }

    /** From the accounting's records, or empty when none is the cluster's and none was expected. */
    Optional<ResourceUsage> fromAccounting(List<BatchSystem.Accounted> records, String source) {
        double seconds = 0;
        double running = 0;
        boolean any = false;
        for (BatchSystem.Accounted a : records) {
            if (JobNames.parse(a.jobName())
                    .filter(p -> p.clusterId().equals(clusterId))
                    .isEmpty()) {
                continue;
            }
            any = true;
            seconds += (double) a.elapsedSeconds() * a.cores();
            if (a.running()) {
                running += a.cores();
            }
        }
        return any ? Optional.of(new ResourceUsage(seconds / 3600, running, source)) : Optional.empty();
    }

    /** From the jobs listed now: running ones by their elapsed time, ended ones as last seen. */
    synchronized ResourceUsage fromListing(List<Job> jobs, int workerCores, Instant now, String source) {
        double running = 0;
        for (Job j : jobs) {
            Optional<JobNames.Parsed> p = JobNames.parse(j.name());
            if (p.isEmpty() || !p.get().clusterId().equals(clusterId) || j.started() == null) {
                continue;
            }
            if (j.state() == Job.State.RUNNING) {
                int cores = cores(p.get().role(), workerCores);
                double elapsed = Math.max(0, Duration.between(j.started(), now).toMillis() / 1000.0);
                coreSeconds.merge(j.id(), elapsed * cores, Math::max);
                running += cores;
            }
        }
        double total =
                coreSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        return new ResourceUsage(total / 3600, running, source);
    }
}
