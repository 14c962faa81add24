package dev.jcloud.engine.api;

/**
 * Progress of the futures a {@link Client} is waiting on.
 *
 * @param done     finished successfully
 * @param failed   finished with an error (or cancelled)
 * @param total    submitted through this client and not yet released
 */
public record Progress(long done, long failed, long total) {

    public boolean complete() {
        return done + failed >= total;
    }

    public double fraction() {
        return total == 0 ? 1.0 : (double) (done + failed) / total;
    }
}
