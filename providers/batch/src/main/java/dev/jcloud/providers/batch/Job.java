package dev.jcloud.providers.batch;

import java.time.Instant;

/**
 * One job, or one element of a job array, as the batch system lists it.
 *
 * @param id        the system's id: {@code 123} for a job, {@code 123_4} for element 4 of array 123
 * @param name      the job name, carrying the cluster id ({@link JobNames})
 * @param state     what it is doing
 * @param reason    why a pending job waits, as the system says it (Slurm's {@code %r}, PBS's comment); may be empty
 * @param submitted when it was submitted, or null when the system does not say
 * @param started   when it started running, or null (pending, or the system does not say)
 */
record Job(String id, String name, State state, String reason, Instant submitted, Instant started) {

    /** A job whose start the list does not say. */
    Job(String id, String name, State state, String reason, Instant submitted) {
        this(id, name, state, reason, submitted, null);
    }

    /** The states jcloud tells apart; everything else a system reports maps to one of these. */
    enum State {
        /** Waiting in the queue (or held): requested capacity, not yet running. */
        PENDING,
        /** Running, starting or suspended. */
        RUNNING,
        /** Finishing (completing, exiting): gone soon, but still in the list. */
        ENDING
    }

    /** The array element number, or -1 for a job that is not an array element. */
    int task() {
        int sep = id.indexOf('_');
        return sep < 0 ? -1 : Integer.parseInt(id.substring(sep + 1));
    }

    /** The id of the submission: the whole array for an element. */
    String jobId() {
        int sep = id.indexOf('_');
        return sep < 0 ? id : id.substring(0, sep);
    }
}
