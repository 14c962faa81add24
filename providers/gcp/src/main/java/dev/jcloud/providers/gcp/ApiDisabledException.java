package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.provisioner.ProvisionException;
import java.io.IOException;
import java.util.Map;

/**
 * A Google API is not enabled in the project (a fresh project has Secret Manager, and sometimes IAM
 * or Compute Engine, off): the 403 whose {@code google.rpc.ErrorInfo} detail has reason
 * {@code SERVICE_DISABLED}, as one line naming the API and the command that enables it. Not a
 * {@link GoogleRest.GoogleApiException}, so no caller mistakes it for a missing permission.
 */
final class ApiDisabledException extends ProvisionException {

    /** The APIs jcloud uses, by service name, for the message. */
    private static final Map<String, String> TITLES = Map.of(
            "compute.googleapis.com", "Compute Engine API",
            "iam.googleapis.com", "IAM API",
            "cloudresourcemanager.googleapis.com", "Cloud Resource Manager API",
            "secretmanager.googleapis.com", "Secret Manager API",
            "storage.googleapis.com", "Cloud Storage API");

    private final String service;

    ApiDisabledException(String service, String project, String activationUrl) {
        super(message(service, project, activationUrl));
        this.service = service;
    }

    /** The disabled API's service name, e.g. {@code secretmanager.googleapis.com}. */
    String service() {
        return service;
    }

    static String message(String service, String project, String activationUrl) {
        String title = TITLES.getOrDefault(service, service);
        String where = project.isEmpty() ? "" : " --project " + project;
        return "the " + title + " (" + service + ") is not enabled in "
                + (project.isEmpty() ? "the project" : "project " + project)
                + ": enable it with 'gcloud services enable " + service + where + "'"
                + (activationUrl.isEmpty() ? "" : " or at " + activationUrl)
                + ", wait a minute, and run the command again";
    }

    /**
     * The exception for an error answer that says its API is disabled, or null. The details are
     * {@code {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
     * "metadata": {"service", "consumer": "projects/NUMBER", "activationUrl"}}}.
     */
    static ApiDisabledException from(int httpStatus, String body) {
        if (httpStatus != 403 || body == null || !body.contains("SERVICE_DISABLED")) {
            return null;
        }
        try {
            for (JsonNode d : GoogleRest.JSON.readTree(body).path("error").path("details")) {
                if (d.path("@type").asText("").endsWith("google.rpc.ErrorInfo")
                        && d.path("reason").asText("").equals("SERVICE_DISABLED")) {
                    JsonNode m = d.path("metadata");
                    String consumer = m.path("consumer").asText("");
                    return new ApiDisabledException(
                            m.path("service").asText("the API"),
                            consumer.startsWith("projects/") ? consumer.substring("projects/".length()) : consumer,
                            m.path("activationUrl").asText(""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // not the documented shape: the caller reports the raw answer
        }
        return null;
    }
}
