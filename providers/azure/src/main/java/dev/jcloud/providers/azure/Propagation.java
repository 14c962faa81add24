package dev.jcloud.providers.azure;

import com.azure.core.exception.HttpResponseException;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting out Azure's eventual consistency: a role assignment or access policy takes up to minutes
 * to reach the data plane (Microsoft documents up to 10 minutes for role assignments), and a VM
 * seconds old may not have its managed identity in IMDS yet. A call is tried again, with a pause
 * doubling from one second up to 15, while {@code transient} accepts its failure and the deadline
 * has not passed; then the last failure is thrown.
 */
final class Propagation {

    private static final Logger LOG = LoggerFactory.getLogger(Propagation.class);
    /** How long a grant or an identity may take to appear before jcloud gives up. */
    static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);

    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(15);

    private Propagation() {}

    static <T> T await(Supplier<T> call, Predicate<RuntimeException> transientFailure, Duration deadline, String what) {
        Instant until = Instant.now().plus(deadline);
        Duration pause = FIRST_PAUSE;
        while (true) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (!transientFailure.test(e) || Instant.now().plus(pause).isAfter(until)) {
                    throw e;
                }
                LOG.info("{}: not yet ({}); trying again in {} s", what, firstLine(e), pause.toSeconds());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ProvisionException("interrupted while waiting: " + what, ie);
                }
                pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    /** Whether {@code e} is an HTTP answer with {@code status}, or was caused by one. */
    static boolean httpStatus(Throwable e, int status) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException h
                    && h.getResponse() != null
                    && h.getResponse().getStatusCode() == status) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code type} is in the cause chain of {@code e}. */
    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
