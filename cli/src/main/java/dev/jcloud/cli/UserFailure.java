package dev.jcloud.cli;

/** An operation failed for a reason the message fully explains (exit 1, no stack trace). */
final class UserFailure extends RuntimeException {

    UserFailure(String message) {
        super(message);
    }

    UserFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
