package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster machines' cloud identity: a service account {@code jcloud-<id>} per cluster, so
 * machines get short-lived tokens from the metadata server instead of keys, with only what the
 * in-cluster controller needs to add and remove its own workers and to delete its own machines
 * and firewall rules. GCP cannot scope roles by label, so the project-level bindings carry IAM
 * Conditions on resource names (all the cluster's instance and disk names end with its id
 * suffix, its firewall rules start with {@code jcloud-<id>-}):
 *
 * <ul>
 *   <li>{@code roles/compute.viewer}, unconditional: listing its nodes and reading operations
 *       (list calls are checked on the project, where a resource-name condition cannot match);</li>
 *   <li>{@code roles/compute.instanceAdmin.v1}, only on instances and disks named with the cluster's
 *       suffix, and on subnetworks (to attach new workers to the network);</li>
 *   <li>{@code roles/compute.securityAdmin}, only on the cluster's own firewall rules (to delete them
 *       at idle teardown);</li>
 *   <li>{@code roles/iam.serviceAccountUser} on the service account itself (new workers run as it).</li>
 * </ul>
 *
 * <p>Deliberately missing: changing project IAM. Removing these bindings and the account is left
 * to {@code down}/{@code gc} from a user's machine (both are free of charge while they wait).
 * Changing the project policy needs {@code resourcemanager.projects.setIamPolicy}; a user without
 * it passes an existing account with {@code gcp.service-account} instead.
 */
final class ClusterServiceAccount {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterServiceAccount.class);
    static final String VIEWER = "roles/compute.viewer";
    static final String INSTANCE_ADMIN = "roles/compute.instanceAdmin.v1";
    static final String SECURITY_ADMIN = "roles/compute.securityAdmin";
    static final String SERVICE_ACCOUNT_USER = "roles/iam.serviceAccountUser";

    private final GcpClients gcp;
    private final String project;

    ClusterServiceAccount(GcpClients gcp, String project) {
        this.gcp = gcp;
        this.project = project;
    }

    /** One project-level grant: a role, under a condition or none. */
    record Grant(String role, String conditionTitle, String conditionExpression) {}

    /** What the cluster's service account is granted on the project. */
    static List<Grant> grants(ClusterContext cluster) {
        String suffix = GceNames.instanceSuffix(cluster);
        return List.of(
                new Grant(VIEWER, null, null),
                new Grant(
                        INSTANCE_ADMIN,
                        GceNames.PREFIX + cluster.id() + "-instances",
                        "resource.name.extract(\"/instances/{name}\").endsWith(\"" + suffix + "\")"
                                + " || resource.name.extract(\"/disks/{name}\").endsWith(\"" + suffix + "\")"
                                + " || resource.type == \"compute.googleapis.com/Subnetwork\""),
                new Grant(
                        SECURITY_ADMIN,
                        GceNames.PREFIX + cluster.id() + "-firewalls",
                        "resource.name.extract(\"/global/firewalls/{name}\").startsWith(\""
                                + GceNames.firewallPrefix(cluster) + "\")"));
    }

    /** Creates the account and its grants where missing; returns its email. */
    String ensure(ClusterContext cluster, long createdEpoch, Instant deadline) {
        String email = GceNames.serviceAccountEmail(cluster, project);
        if (find(email).isEmpty()) {
            ObjectNode body = GoogleRest.JSON.createObjectNode();
            body.put("accountId", GceNames.serviceAccountId(cluster));
            ObjectNode account = body.putObject("serviceAccount");
            account.put("displayName", "jcloud cluster " + cluster.name());
            account.put("description", GceNames.description(cluster, "machines' identity", createdEpoch));
            try {
                gcp.iam().post("/v1/projects/" + project + "/serviceAccounts", body);
                LOG.info("{}: created service account {}", cluster.name(), email);
            } catch (GoogleRest.GoogleApiException e) {
                if (e.httpStatus() != 409) {
                    throw new ProvisionException(
                            "could not create the cluster's service account " + email + " ("
                                    + e.getMessage()
                                    + "): jcloud needs iam.serviceAccounts.create (e.g. roles/iam.serviceAccountAdmin),"
                                    + " or give an existing account with " + GcpOptions.SERVICE_ACCOUNT,
                            e);
                }
            }
        }
        ObjectNode own = GoogleRest.JSON.createObjectNode();
        ArrayNode bindings = own.putObject("policy").putArray("bindings");
        ObjectNode user = bindings.addObject();
        user.put("role", SERVICE_ACCOUNT_USER);
        user.putArray("members").add("serviceAccount:" + email);
        // IAM answers 400 "Service account ... does not exist" for a while after the create.
        gcp.iam().retryingAlso(notKnownYet(email)).post(accountPath(email) + ":setIamPolicy", own);
        updateProjectPolicy(
                notKnownYet(email),
                deadline,
                policy -> grant(policy, "serviceAccount:" + email, grants(cluster)),
                "grant the cluster's service account " + email + " its roles");
        return email;
    }

    /** Removes the account's project grants, then the account; both may already be gone. */
    void delete(ClusterContext cluster, Instant deadline) {
        String email = GceNames.serviceAccountEmail(cluster, project);
        // Grants first: once the account is deleted, its grants turn into "deleted:serviceAccount:..." members.
        updateProjectPolicy(
                e -> false,
                deadline,
                policy -> revoke(policy, "serviceAccount:" + email),
                "remove the grants of the cluster's service account " + email);
        try {
            gcp.iam().delete(accountPath(email));
            LOG.info("{}: deleted service account {}", cluster.name(), email);
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() != 404) {
                throw e;
            }
        }
    }

    /**
     * The error answer IAM gives, for a while, to a policy naming an account created moments ago:
     * 400 INVALID_ARGUMENT "Service account EMAIL does not exist." (Google documents it as eventual
     * consistency: wait and retry). Only for {@code email}, an account this cluster created: an
     * account a user names that truly does not exist fails at once.
     */
    static Predicate<GoogleRest.GoogleApiException> notKnownYet(String email) {
        return e -> e.httpStatus() == 400
                && e.getMessage().contains(email)
                && e.getMessage().contains("does not exist");
    }

    /** {@link #notKnownYet} when {@code account} is the one this cluster creates, else nothing more to retry. */
    static Predicate<GoogleRest.GoogleApiException> notKnownYet(
            ClusterContext cluster, String project, String account) {
        return account.equals(GceNames.serviceAccountEmail(cluster, project)) ? notKnownYet(account) : e -> false;
    }

    Optional<JsonNode> find(String email) {
        try {
            return Optional.of(gcp.iam().get(accountPath(email)));
        } catch (GoogleRest.GoogleApiException e) {
            if (e.httpStatus() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every service account of the project whose id starts with {@code jcloud-}. */
    List<JsonNode> findAll() {
        List<JsonNode> out = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = gcp.iam()
                    .get("/v1/projects/" + project + "/serviceAccounts?pageSize=100"
                            + (token.isEmpty()
                                    ? ""
                                    : "&pageToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            for (JsonNode a : page.path("accounts")) {
                if (a.path("email").asText("").startsWith(GceNames.PREFIX)) {
                    out.add(a);
                }
            }
            token = page.path("nextPageToken").asText("");
        } while (!token.isEmpty());
        return out;
    }

    private String accountPath(String email) {
        return "/v1/projects/" + project + "/serviceAccounts/" + email;
    }

    /**
     * Read-modify-write of the project's IAM policy (version 3, for conditions), retried while
     * another writer changed it in between (409 ABORTED: the etag no longer matches).
     */
    private void updateProjectPolicy(
            Predicate<GoogleRest.GoogleApiException> alsoTransient,
            Instant deadline,
            java.util.function.UnaryOperator<ObjectNode> change,
            String what) {
        GoogleRest resourceManager = gcp.resourceManager().retryingAlso(alsoTransient);
        long pause = 200;
        while (true) {
            try {
                ObjectNode request = GoogleRest.JSON.createObjectNode();
                request.putObject("options").put("requestedPolicyVersion", 3);
                ObjectNode policy =
                        (ObjectNode) resourceManager.post("/v1/projects/" + project + ":getIamPolicy", request);
                ObjectNode before = policy.deepCopy();
                ObjectNode after = change.apply(policy);
                if (after.equals(before)) {
                    return;
                }
                after.put("version", 3);
                ObjectNode set = GoogleRest.JSON.createObjectNode();
                set.set("policy", after);
                resourceManager.post("/v1/projects/" + project + ":setIamPolicy", set);
                return;
            } catch (GoogleRest.GoogleApiException e) {
                boolean concurrent = e.httpStatus() == 409 || "ABORTED".equals(e.status());
                if (concurrent && Instant.now().isBefore(deadline)) {
                    sleep(pause);
                    pause = Math.min(pause * 2, 5_000);
                    continue;
                }
                if (e.httpStatus() == 403) {
                    throw new ProvisionException(
                            "could not " + what + " on project " + project + " (" + e.getMessage()
                                    + "): jcloud needs resourcemanager.projects.setIamPolicy (e.g. roles/resourcemanager.projectIamAdmin)"
                                    + " to give each cluster a least-privilege identity, or give an existing service account with "
                                    + GcpOptions.SERVICE_ACCOUNT,
                            e);
                }
                throw e;
            }
        }
    }

    /** Adds {@code member} to the grants' bindings (unconditional ones are shared, conditional ones are the cluster's own). */
    static ObjectNode grant(ObjectNode policy, String member, List<Grant> grants) {
        ArrayNode bindings = policy.has("bindings") ? (ArrayNode) policy.get("bindings") : policy.putArray("bindings");
        for (Grant g : grants) {
            ObjectNode binding = null;
            for (JsonNode b : bindings) {
                String title = b.path("condition").path("title").asText(null);
                if (b.path("role").asText().equals(g.role()) && Objects.equals(title, g.conditionTitle())) {
                    binding = (ObjectNode) b;
                }
            }
            if (binding == null) {
                binding = bindings.addObject();
                binding.put("role", g.role());
                binding.putArray("members");
                if (g.conditionTitle() != null) {
                    ObjectNode c = binding.putObject("condition");
                    c.put("title", g.conditionTitle());
                    c.put("description", "jcloud: only the cluster's own resources");
                    c.put("expression", g.conditionExpression());
                }
            }
            ArrayNode members = (ArrayNode) binding.get("members");
            boolean present = false;
            for (JsonNode m : members) {
                present |= m.asText().equals(member);
            }
            if (!present) {
                members.add(member);
            }
        }
        return policy;
    }

    /** Removes {@code member} everywhere, and bindings left without members. */
    static ObjectNode revoke(ObjectNode policy, String member) {
        if (!policy.has("bindings")) {
            return policy;
        }
        ArrayNode kept = GoogleRest.JSON.createArrayNode();
        for (JsonNode b : policy.get("bindings")) {
            ArrayNode members = GoogleRest.JSON.createArrayNode();
            for (JsonNode m : b.path("members")) {
                if (!m.asText().equals(member)) {
                    members.add(m);
                }
            }
            if (!members.isEmpty()) {
                ObjectNode copy = ((ObjectNode) b).deepCopy();
                copy.set("members", members);
                kept.add(copy);
            }
        }
        policy.set("bindings", kept);
        return policy;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while updating the project's IAM policy", e);
        }
    }
}
