package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.api.client.http.HttpResponseException;
import com.google.api.gax.httpjson.HttpJsonCallContext;
import com.google.api.gax.rpc.ApiCallContext;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.DeadlineExceededException;
import com.google.cloud.compute.v1.Errors;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.WaitGlobalOperationRequest;
import com.google.cloud.compute.v1.WaitZoneOperationRequest;
import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Waits for Compute Engine long-running operations, each with a deadline. The API's own
 * {@code wait} method blocks up to two minutes per call and returns early when the operation is
 * DONE; each call gets a client-side timeout of what is left before the deadline, so the deadline
 * holds. A DONE operation with errors (ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED...)
 * becomes an {@link OperationFailedException} naming what failed and the API's codes.
 */
final class Operations {

    private static final Duration SERVER_WAIT = Duration.ofMinutes(2);
    private static final long FIRST_PAUSE_MILLIS = 100;

    private final GcpClients gcp;
    private final String project;

    Operations(GcpClients gcp, String project) {
        this.gcp = gcp;
        this.project = project;
    }

    /** Waits until {@code op} is DONE and succeeded; {@code what} says what it does, for errors. */
    Operation await(Operation op, Instant deadline, String what) {
        Operation current = op;
        long pause = FIRST_PAUSE_MILLIS;
        while (current.getStatus() != Operation.Status.DONE) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new ProvisionException("timed out waiting for " + what + " (operation " + current.getName()
                        + " is still " + current.getStatus() + "); it may still complete: 'jcloud cluster down' or"
                        + " 'jcloud cluster gc' removes what it leaves");
            }
            // The client-side timeout keeps our deadline even though one server-side wait may last two minutes.
            ApiCallContext context = HttpJsonCallContext.createDefault()
                    .withTimeoutDuration(left.compareTo(SERVER_WAIT) < 0 ? left : SERVER_WAIT.plusSeconds(10));
            long started = System.nanoTime();
            try {
                String zone = current.getZone();
                current = zone.isEmpty()
                        ? gcp.globalOperations()
                                .waitCallable()
                                .call(
                                        WaitGlobalOperationRequest.newBuilder()
                                                .setProject(project)
                                                .setOperation(current.getName())
                                                .build(),
                                        context)
                        : gcp.zoneOperations()
                                .waitCallable()
                                .call(
                                        WaitZoneOperationRequest.newBuilder()
                                                .setProject(project)
                                                .setZone(lastSegment(zone))
                                                .setOperation(current.getName())
                                                .build(),
                                        context);
            } catch (DeadlineExceededException e) {
                continue; // the loop checks the deadline
            }
            // wait may return before the operation is done ("not guaranteed to wait"); then back off a little.
            if (current.getStatus() != Operation.Status.DONE && System.nanoTime() - started < 1_000_000_000L) {
                sleep(Duration.ofMillis(Math.min(
                        pause,
                        Math.max(1, Duration.between(Instant.now(), deadline).toMillis()))));
                pause = Math.min(pause * 2, 2_000);
            }
        }
        if (current.hasError() && current.getError().getErrorsCount() > 0) {
            throw new OperationFailedException(what, current);
        }
        return current;
    }

    /**
     * The API's own message of a failed request, with its reasons: the SDK's exception only says
     * e.g. "Bad Request", the response body (kept on the cause) says what was wrong.
     */
    static String detail(ApiException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException h
                    && h.getContent() != null
                    && !h.getContent().isBlank()) {
                try {
                    JsonNode error = GoogleRest.JSON.readTree(h.getContent()).path("error");
                    List<String> reasons = new ArrayList<>();
                    error.path("errors")
                            .forEach(r -> reasons.add(r.path("reason").asText()));
                    return h.getStatusCode() + " " + error.path("message").asText(h.getContent())
                            + (reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")");
                } catch (IOException | RuntimeException notJson) {
                    return h.getStatusCode() + " " + h.getContent();
                }
            }
        }
        return String.valueOf(e.getMessage());
    }

    /** The Compute Engine API's "not enabled" answer as one line, or null for any other error. */
    static ApiDisabledException disabledApi(ApiException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException h) {
                return ApiDisabledException.from(h.getStatusCode(), h.getContent());
            }
        }
        return null;
    }

    static String lastSegment(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while waiting for a Compute Engine operation", e);
        }
    }

    /** A long-running operation ended with errors; {@link #codes()} are the API's error codes. */
    static final class OperationFailedException extends ProvisionException {
        private final List<String> codes;

        OperationFailedException(String what, Operation op) {
            super(what + " failed: "
                    + op.getError().getErrorsList().stream()
                            .map(e -> e.getCode() + ": " + e.getMessage())
                            .collect(Collectors.joining("; ")));
            this.codes =
                    op.getError().getErrorsList().stream().map(Errors::getCode).toList();
        }

        List<String> codes() {
            return codes;
        }
    }
}
