package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auth.Credentials;
import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON over HTTPS to a Google API that {@code google-cloud-compute} does not cover (IAM service
 * accounts, the project's IAM policy): a handful of calls, so a small client instead of two more
 * SDKs and their gRPC stacks. Errors are the APIs' standard
 * {@code {"error": {"code", "message", "status"}}} bodies, thrown as {@link GoogleApiException}.
 * Throttling and transient server errors (429, 500, 502, 503, 504) are retried with backoff.
 */
final class GoogleRest {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> TRANSIENT = Set.of(429, 500, 502, 503, 504);
    private static final int ATTEMPTS = 5;

    private final String root;
    private final Credentials credentials;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    GoogleRest(String root, Credentials credentials) {
        this.root = root.replaceAll("/+$", "");
        this.credentials = credentials;
    }

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    private JsonNode call(String method, String path, Object body) {
        URI uri = URI.create(root + path);
        long pause = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                        .header("Accept", "application/json");
                if (credentials != null) {
                    for (Map.Entry<String, List<String>> h : credentials.getRequestMetadata(uri).entrySet()) {
                        for (String v : h.getValue()) {
                            request.header(h.getKey(), v);
                        }
                    }
                }
                if (body != null) {
                    request.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
                } else {
                    request.method(method, HttpRequest.BodyPublishers.noBody());
                }
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
            return new GoogleApiException(method + " " + path + ": " + httpStatus + (status.isEmpty() ? "" : " " + status)
                    + ": " + message, httpStatus, status);
        }

        int httpStatus() {
            return httpStatus;
        }

        String status() {
            return status;
        }
    }
}
