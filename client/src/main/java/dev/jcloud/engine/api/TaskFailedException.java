package dev.jcloud.engine.api;

import java.util.concurrent.ExecutionException;

/**
 * A task threw, or could not run. {@link #getCause()} is the original exception with its remote
 * stack trace when its class exists on this side; otherwise a {@link RemoteException} carrying
 * the remote class name, message and trace.
 */
public class TaskFailedException extends ExecutionException {

    private final String remoteClassName;
    private final String remoteStackTrace;

    public TaskFailedException(String message, Throwable cause, String remoteClassName, String remoteStackTrace) {
        super(message, cause);
        this.remoteClassName = remoteClassName;
        this.remoteStackTrace = remoteStackTrace;
    }

    /** The fully qualified class name of the exception the task threw. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** The stack trace as printed on the worker. */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }

    /** Stands in for a remote exception whose class does not exist (or cannot be read) here. */
    public static final class RemoteException extends RuntimeException {
        private final String className;

        public RemoteException(String className, String message) {
            super(className + (message == null ? "" : ": " + message));
            this.className = className;
        }

        public String className() {
            return className;
        }
    }
}
