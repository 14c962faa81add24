package dev.jcloud.provisioner;

/** The requested provider is unknown, or known but not part of this build. */
public class ProviderUnavailableException extends IllegalArgumentException {

    public ProviderUnavailableException(String message) {
        super(message);
    }
}
