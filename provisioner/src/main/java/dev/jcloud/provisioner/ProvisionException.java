package dev.jcloud.provisioner;

/**
 * A cluster could not be created, changed or found. The message says what failed and includes
 * the relevant log lines of the node that failed, so that nobody has to go looking for them.
 */
public class ProvisionException extends RuntimeException {

    public ProvisionException(String message) {
        super(message);
    }

    public ProvisionException(String message, Throwable cause) {
        super(message, cause);
    }
}
