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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * JSON over HTTPS to a Google API that {@code google-cloud-compute} does not cover (IAM service
 * accounts, the project's IAM policy, Secret Manager, Cloud Storage): a handful of calls, so a small client instead of two more
 * SDKs and their gRPC stacks. Errors are the APIs' standard
 * {@code {"error": {"code", "message", "status"}}} bodies, thrown as {@link GoogleApiException}.
 * Throttling and transient server errors (429, 500, 502, 503, 504) are retried with backoff.
 */
final class GoogleRest {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> TRANSIENT = Set.of(429, 500, 502, 503, 504);
    private static final int ATTEMPTS = 5;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final String root;
    private final Credentials credentials;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    GoogleRest(String root, Credentials credentials) {
        this.root = root.replaceAll("/+$", "");
        this.credentials = credentials;
    }

    /** The API root, e.g. {@code https://storage.googleapis.com}. */
    String root() {
        return root;
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
        long pause = 200;
        for (int attempt = 1; ; attempt++) {
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
                if (!TRANSIENT.contains(r.statusCode()) || attempt == ATTEMPTS) {
                    throw e;
                }
            } catch (IOException e) {
                if (attempt == ATTEMPTS) {
                    throw new ProvisionException(method + " " + uri + " failed: " + e.getMessage(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted during " + method + " " + uri, e);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted during " + method + " " + uri, e);
            }
            pause = Math.min(pause * 2, 5_000);
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

        String status() {
            return status;
        }
    }
}
