package dev.jcloud.providers.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.polling.PollResult;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Azure Resource Manager's long-running operations (a 201/202 answer with an
 * {@code Azure-AsyncOperation} or {@code Location} URL to poll), waited on with a deadline, and the
 * error codes of failed calls, whether they failed at once ({@link ManagementException}) or while
 * running ({@link Failed}).
 */
final class Lro {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Lro() {}

    /** A long-running operation that ended in {@code Failed} or {@code Canceled}, with ARM's error. */
    static final class Failed extends RuntimeException {
        private final String code;
        private final List<String> detailCodes;

        Failed(String what, String code, String message, List<String> detailCodes) {
            super(what + " failed: " + code + ": " + message);
            this.code = code;
            this.detailCodes = List.copyOf(detailCodes);
        }

        String code() {
            return code;
        }
    }

    /**
     * Polls {@code poller} (the initial request was sent when it was made) until the operation ends
     * or {@code deadline} passes; returns the final resource, or null for operations without one.
     *
     * @throws Failed             when the operation failed
     * @throws ProvisionException at the deadline
     */
    static <T> T await(SyncPoller<PollResult<T>, T> poller, Duration pollInterval, Instant deadline, String what) {
        poller.setPollInterval(pollInterval);
        PollResponse<PollResult<T>> response;
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            left = Duration.ofMillis(1);
        }
        try {
            response = poller.waitForCompletion(left);
        } catch (ManagementException e) {
            throw e;
        } catch (RuntimeException e) {
            if (Instant.now().isBefore(deadline)) {
                throw e;
            }
            throw new ProvisionException(
                    "timed out waiting until " + what + " (Azure still reports it in progress)", e);
        }
        LongRunningOperationStatus status = response.getStatus();
        if (status == LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            return poller.getFinalResult();
        }
        if (status == LongRunningOperationStatus.FAILED || status == LongRunningOperationStatus.USER_CANCELLED) {
            PollResult.Error error =
                    response.getValue() == null ? null : response.getValue().getError();
            throw failed(what, error);
        }
        throw new ProvisionException("timed out waiting until " + what + " (Azure reports it " + status + ")");
    }

    private static Failed failed(String what, PollResult.Error error) {
        if (error == null) {
            return new Failed(what, "Failed", "no error details", List.of());
        }
        try {
            JsonNode body = error.getResponseBody() == null ? null : JSON.readTree(error.getResponseBody());
            JsonNode e = body == null ? null : body.has("error") ? body.get("error") : body;
            if (e != null && e.hasNonNull("code")) {
                List<String> details = new ArrayList<>();
                if (e.has("details")) {
                    e.get("details").forEach(d -> {
                        if (d.hasNonNull("code")) {
                            details.add(d.get("code").asText());
                        }
                    });
                }
                return new Failed(
                        what, e.get("code").asText(), e.path("message").asText(""), details);
            }
        } catch (java.io.IOException ignored) {
            // fall through to the SDK's message
        }
        return new Failed(what, "Failed", String.valueOf(error.getMessage()), List.of());
    }

    /** The ARM error codes of {@code e} and of its details, e.g. {@code SkuNotAvailable}. */
    static Set<String> codes(Throwable e) {
        Set<String> out = new LinkedHashSet<>();
        if (e instanceof Failed f) {
            out.add(f.code);
            out.addAll(f.detailCodes);
        } else if (e instanceof ManagementException m && m.getValue() != null) {
            addCodes(m.getValue(), out);
        }
        return out;
    }

    private static void addCodes(ManagementError error, Set<String> out) {
        if (error.getCode() != null) {
            out.add(error.getCode());
        }
        if (error.getDetails() != null) {
            for (ManagementError d : error.getDetails()) {
                addCodes(d, out);
            }
        }
    }

    /** Whether {@code e} is Azure saying the resource (or its group) does not exist. */
    static boolean notFound(Throwable e) {
        if (e instanceof HttpResponseException h
                && h.getResponse() != null
                && h.getResponse().getStatusCode() == 404) {
            return true;
        }
        return codes(e).stream().anyMatch(c -> c.toLowerCase(Locale.ROOT).endsWith("notfound"));
    }

    /** {@code call}'s result, or null when Azure answers that the resource does not exist. */
    static <T> T orNull(Supplier<T> call) {
        try {
            return call.get();
        } catch (ManagementException e) {
            if (notFound(e)) {
                return null;
            }
            throw e;
        }
    }

    /** One line for a failed call: the ARM code and message, without the request's details. */
    static String describe(Throwable e) {
        if (e instanceof ManagementException m && m.getValue() != null) {
            return m.getValue().getCode() + ": " + m.getValue().getMessage();
        }
        return String.valueOf(e.getMessage());
    }
}
