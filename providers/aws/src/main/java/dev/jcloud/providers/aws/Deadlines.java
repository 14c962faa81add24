package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Waits that the SDK's retry policy cannot cover because they depend on other resources (an
 * instance really gone, an instance profile visible to EC2): each has a deadline and backs off.
 */
final class Deadlines {

    private static final Duration FIRST = Duration.ofMillis(200);
    private static final Duration MAX = Duration.ofSeconds(10);

    private Deadlines() {}

    /** Polls {@code done} with backoff until it is true; fails with {@code what} at {@code deadline}. */
    static void await(String what, Instant deadline, BooleanSupplier done) {
        Duration pause = FIRST;
        while (!done.getAsBoolean()) {
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("timed out waiting until " + what);
            }
            pause = sleep(pause, deadline);
        }
    }

    /**
     * Runs {@code call}, again with backoff while it fails with the AWS error {@code code} (a
     * dependency not yet released, eventual consistency), until {@code deadline}.
     */
    static <T> T retryOn(String code, Instant deadline, Supplier<T> call) {
        Duration pause = FIRST;
        while (true) {
            try {
                return call.get();
            } catch (AwsServiceException e) {
                if (!code.equals(errorCode(e)) || !Instant.now().isBefore(deadline)) {
                    throw e;
                }
                pause = sleep(pause, deadline);
            }
        }
    }

    /**
     * Runs a launch again while EC2 does not see a just-created instance profile yet (IAM is
     * eventually consistent; AWS documents a delay of seconds), until {@code deadline}.
     */
    static <T> T retryOnProfileNotYetVisible(Instant deadline, Supplier<T> call) {
        Duration pause = Duration.ofSeconds(1);
        while (true) {
            try {
                return call.get();
            } catch (AwsServiceException e) {
                String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
                if (!"InvalidParameterValue".equals(errorCode(e))
                        || !message.contains("instance profile")
                        || !Instant.now().isBefore(deadline)) {
                    throw e;
                }
                pause = sleep(pause, deadline);
            }
        }
    }

    static String errorCode(AwsServiceException e) {
        return e.awsErrorDetails() == null
                ? ""
                : String.valueOf(e.awsErrorDetails().errorCode());
    }

    private static Duration sleep(Duration pause, Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        Duration nap = pause.compareTo(left) < 0 ? pause : left;
        try {
            Thread.sleep(Math.max(1, nap.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted", e);
        }
        Duration next = pause.multipliedBy(2);
        return next.compareTo(MAX) > 0 ? MAX : next;
    }
}
