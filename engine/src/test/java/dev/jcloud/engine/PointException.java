package dev.jcloud.engine;

/** An exception type that exists only in the test classes. */
public class PointException extends RuntimeException {
    public PointException(String message) {
        super(message);
    }
}
