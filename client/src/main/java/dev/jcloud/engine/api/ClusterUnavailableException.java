package dev.jcloud.engine.api;

/** The scheduler cannot be reached, refused the connection, or went away. */
public class ClusterUnavailableException extends RuntimeException {
    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ClusterUnavailableException(String message) {
        super(message);
    }
}
