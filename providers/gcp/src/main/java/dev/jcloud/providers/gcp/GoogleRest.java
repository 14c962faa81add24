package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.Credentials;
import dev.jcloud.provisioner.ProvisionException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over HTTPS to a Google API that {@code google-cloud-compute} does not cover (IAM service
 * accounts, the project's IAM policy, Secret Manager, Cloud Storage): a handful of calls, so a small client instead of two more
 * SDKs and their gRPC stacks. Errors are the APIs' standard
 * {@code {"error": {"code", "message", "status", "details"}}} bodies, thrown as {@link GoogleApiException};
 * a 403 whose details say {@code SERVICE_DISABLED} is thrown as {@link ApiDisabledException}, one
 * line naming the API and the command that enables it.
 *
 * <p>Retries follow Google's guidance for its APIs (truncated exponential backoff with jitter,
 * {@code Retry-After} honoured): throttling and transient server errors (408, 429, 500, 502, 503,
 * 504) and connection failures are tried again until the {@link Retry#deadline} of the call has
 * passed, long enough for per-minute quotas; {@link #retryingAlso} adds answers that are transient
 * for one caller only (IAM's eventual consistency).
 */
final class GoogleRest {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> TRANSIENT = Set.of(408, 429, 500, 502, 503, 504);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(GoogleRest.class);

    /**
     * How a call is tried again: the first pause, the longest pause (the backoff doubles up to it,
     * each pause drawn between half and all of it) and how long after the first attempt no new
     * attempt starts.
     */
    record Retry(Duration firstPause, Duration maxPause, Duration deadline) {
        /**
         * 1 s doubling to 32 s (Google's truncated exponential backoff), for 5 minutes: a per-minute
         * quota refills several times over, and IAM changes usually propagate within it.
         */
        static final Retry DEFAULT = new Retry(Duration.ofSeconds(1), Duration.ofSeconds(32), Duration.ofMinutes(5));

        Retry {
            if (firstPause.isNegative() || maxPause.compareTo(firstPause) < 0 || deadline.isNegative()) {
                throw new IllegalArgumentException(
                        "bad retry settings: " + firstPause + ", " + maxPause + ", " + deadline);
            }
        }
    }

    private final String root;
    private final Credentials credentials;
    private final Retry retry;
    private final Predicate<GoogleApiException> alsoTransient;
    private final HttpClient http;

    GoogleRest(String root, Credentials credentials) {
        this(root, credentials, Retry.DEFAULT);
    }

    GoogleRest(String root, Credentials credentials, Retry retry) {
        this(
                root.replaceAll("/+$", ""),
                credentials,
                retry,
                e -> false,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    private GoogleRest(
            String root,
            Credentials credentials,
            Retry retry,
            Predicate<GoogleApiException> alsoTransient,
            HttpClient http) {
        this.root = root;
        this.credentials = credentials;
        this.retry = retry;
        this.alsoTransient = alsoTransient;
        this.http = http;
    }

    /** The API root, e.g. {@code https://storage.googleapis.com}. */
    String root() {
        return root;
    }

    /** The retry settings of this client's calls. */
    Retry retry() {
        return retry;
    }

    /**
     * This client, also retrying (within the same deadline) the error answers {@code when} accepts:
     * e.g. IAM's 400 "Service account ... does not exist" for an account created a moment ago, or
     * Secret Manager's 403 while a new grant propagates.
     */
    GoogleRest retryingAlso(Predicate<GoogleApiException> when) {
        return new GoogleRest(root, credentials, retry, alsoTransient.or(when), http);
    }

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    JsonNode put(String path, Object body) {
        return call("PUT", path, body);
    }

    JsonNode patch(String path, Object body) {
        return call("PATCH", path, body);
    }

    JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    /**
     * POSTs a file as the request body (a Cloud Storage media upload), streamed from disk; a retry
     * sends the whole file again, so the upload should carry a precondition that makes it
     * idempotent (e.g. {@code ifGenerationMatch=0}).
     */
    JsonNode upload(String path, Path file, String contentType) {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return send("POST", path, contentType, uploadTimeout(bytes), () -> {
            try {
                return HttpRequest.BodyPublishers.ofFile(file);
            } catch (FileNotFoundException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        });
    }

    private JsonNode call(String method, String path, Object body) {
        if (body == null) {
            return send(method, path, null, CALL_TIMEOUT, HttpRequest.BodyPublishers::noBody);
        }
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(method, path, "application/json", CALL_TIMEOUT, () -> HttpRequest.BodyPublishers.ofString(text));
    }

    /**
     * An upload's time covers sending the body: a minute plus a second per 128 KiB (an engine
     * bundle of 100 MiB may take 14 minutes on a 1 Mbit/s uplink before a retry starts it over).
     */
    static Duration uploadTimeout(long bytes) {
        return CALL_TIMEOUT.plusSeconds(bytes / (128 * 1024));
    }

    private JsonNode send(
            String method,
            String path,
            String contentType,
            Duration timeout,
            Supplier<HttpRequest.BodyPublisher> body) {
        URI uri = URI.create(root + path);
        Instant deadline = Instant.now().plus(retry.deadline());
        Duration backoff = retry.firstPause();
        for (int attempt = 1; ; attempt++) {
            RuntimeException failure;
            Duration asked = Duration.ZERO;
            try {
                HttpRequest.Builder request =
                        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
                if (credentials != null) {
                    for (Map.Entry<String, List<String>> h :
                            credentials.getRequestMetadata(uri).entrySet()) {
                        for (String v : h.getValue()) {
                            request.header(h.getKey(), v);
                        }
                    }
                }
                if (contentType != null) {
                    request.header("Content-Type", contentType);
                }
                request.method(method, body.get());
                HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
                }
                GoogleApiException e = GoogleApiException.of(method, uri.getPath(), r.statusCode(), r.body());
                ApiDisabledException disabled = ApiDisabledException.from(r.statusCode(), r.body());
                if (disabled != null) {
                    throw disabled;
                }
                if (!TRANSIENT.contains(r.statusCode()) && !alsoTransient.test(e)) {
                    throw e;
                }
                failure = e;
                asked = retryAfter(r.headers().firstValue("Retry-After").orElse(""));
            } catch (IOException e) {
                // Includes a token the credentials could not get (a metadata server not ready yet).
                failure = new ProvisionException(method + " " + uri + " failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted during " + method + " " + uri, e);
            }
            Duration pause = jitter(backoff);
            if (asked.compareTo(pause) > 0) {
                pause = asked;
            }
            if (Instant.now().plus(pause).isAfter(deadline)) {
                if (attempt > 1 && failure instanceof GoogleApiException g) {
                    throw g.after(attempt, retry.deadline());
                }
                throw failure;
            }
            LOG.debug(
                    "{} {}: attempt {} failed ({}); again in {} ms",
                    method,
                    uri.getPath(),
                    attempt,
                    failure.getMessage(),
                    pause.toMillis());
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted during " + method + " " + uri, e);
            }
            backoff = backoff.multipliedBy(2);
            if (backoff.compareTo(retry.maxPause()) > 0) {
                backoff = retry.maxPause();
            }
        }
    }

    /** Between half and all of {@code backoff}, so that clients throttled together do not return together. */
    private static Duration jitter(Duration backoff) {
        long ms = backoff.toMillis();
        return Duration.ofMillis(
                ms / 2 + (ms < 2 ? 0 : ThreadLocalRandom.current().nextLong(ms - ms / 2)));
    }

    /** A {@code Retry-After} header in seconds (the form Google's APIs send); anything else counts as none. */
    static Duration retryAfter(String header) {
        try {
            long seconds = Long.parseLong(header.strip());
            return seconds > 0 ? Duration.ofSeconds(Math.min(seconds, 3600)) : Duration.ZERO;
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }

    /** An error answer of a Google API: HTTP code, canonical status (NOT_FOUND, ABORTED...) and message. */
    static final class GoogleApiException extends ProvisionException {
        private final int httpStatus;
        private final String status;

        GoogleApiException(String message, int httpStatus, String status) {
            super(message);
            this.httpStatus = httpStatus;
            this.status = status;
        }

        static GoogleApiException of(String method, String path, int httpStatus, String body) {
            String status = "";
            String message = body;
            try {
                JsonNode error = JSON.readTree(body).path("error");
                status = error.path("status").asText("");
                message = error.path("message").asText(body);
            } catch (IOException | RuntimeException e) {
                // not JSON: keep the raw body as the message
            }
            return new GoogleApiException(
                    method + " " + path + ": " + httpStatus + (status.isEmpty() ? "" : " " + status) + ": " + message,
                    httpStatus,
                    status);
        }

        int httpStatus() {
            return httpStatus;
        }

        /** The same error, saying it persisted over {@code attempts} attempts during {@code deadline}. */
        GoogleApiException after(int attempts, Duration deadline) {
            GoogleApiException e = new GoogleApiException(
                    getMessage() + " (still so after " + attempts + " attempts in " + deadline.toSeconds() + " s)",
                    httpStatus,
                    status);
            e.initCause(this);
            return e;
        }

        String status() {
            return status;
        }
    }
}
