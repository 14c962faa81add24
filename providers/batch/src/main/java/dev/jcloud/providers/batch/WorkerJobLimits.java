package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.NodeRole;
import java.util.List;
import java.util.Optional;

/**
 * A cluster's caps on its worker jobs against what the queue holds now: the hard maximum
 * ({@code --max-jobs}), the most pending at once ({@code --max-queued-jobs}) and the most running
 * at once ({@code --max-running-jobs}; a pending job may start any moment, so it counts there too).
 * Sites cap a user's queued and running jobs; jcloud stays within the user's own caps instead of
 * having submissions refused.
 *
 * @param pending the cluster's worker jobs waiting in the queue
 * @param running the cluster's worker jobs running (or starting)
 */
record WorkerJobLimits(BatchSettings settings, BatchOptions options, int pending, int running) {

    /** The counts of cluster {@code clusterId}'s worker jobs among {@code jobs}; ending ones are gone soon. */
    static WorkerJobLimits of(BatchSettings settings, BatchOptions options, String clusterId, List<Job> jobs) {
        int pending = 0;
        int running = 0;
        for (Job j : jobs) {
            boolean worker = JobNames.parse(j.name())
                    .filter(p -> p.clusterId().equals(clusterId) && p.role() == NodeRole.WORKER)
                    .isPresent();
            if (worker && j.state() == Job.State.PENDING) {
                pending++;
            } else if (worker && j.state() == Job.State.RUNNING) {
                running++;
            }
        }
        return new WorkerJobLimits(settings, options, pending, running);
    }

    /** How many more worker jobs may be submitted now (0 at a cap). */
    int room() {
        int total = options.maxWorkers() - pending - running;
        int queued = options.maxQueued() - pending;
        int runnable = options.maxRunning() - running - pending;
        return Math.max(0, Math.min(total, Math.min(queued, runnable)));
    }

    /**
     * Why {@code more} worker jobs may not be submitted to cluster {@code clusterName} now, naming
     * the cap and its flag; empty when they may.
     */
    Optional<String> refusal(String clusterName, int more) {
        String head = "cluster " + clusterName + " has " + pending + " worker job(s) pending and " + running
                + " running; " + more + " more would ";
        if (pending + running + more > options.maxWorkers()) {
            return Optional.of(head + "make " + (pending + running + more) + ", more than its maximum of "
                    + options.maxWorkers() + " (" + BatchSettings.named(settings.maxWorkers) + ")");
        }
        if (pending + more > options.maxQueued()) {
            return Optional.of(head + "leave " + (pending + more) + " waiting in the queue, more than "
                    + options.maxQueued() + " (" + BatchSettings.named(settings.maxQueuedJobs)
                    + "): start with fewer workers and let --adapt add more as jobs start, or raise it");
        }
        if (pending + running + more > options.maxRunning()) {
            return Optional.of(head + "let " + (pending + running + more) + " run at once, more than "
                    + options.maxRunning() + " (" + BatchSettings.named(settings.maxRunningJobs) + ")");
        }
        return Optional.empty();
    }
}
