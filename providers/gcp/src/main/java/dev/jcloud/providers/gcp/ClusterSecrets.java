package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS material a cluster's machines need, kept where only they can read it: Secret Manager
 * secrets {@code jcloud-<id>-<file>}, labelled like the cluster's instances, each with an IAM
 * policy of its own that lets the cluster's service account (and nobody else jcloud sets up) read
 * it and, for idle teardown, delete it. The CA's key and the client's key never leave the user's
 * machine; stored are the CA certificate, the scheduler's certificate and key and the dashboard's
 * token, and the certificate and key the workers share. Nothing of it appears in metadata, labels
 * or logs: the boot script fetches it with {@link SecretFiles} at boot.
 *
 * <p>Worker admission is therefore by cloud identity: a machine can join only if it runs as the
 * cluster's service account, which only this cluster's launches attach.
 */
final class ClusterSecrets {

    static final List<String> SCHEDULER_FILES =
            List.of("ca.pem", "scheduler.pem", "scheduler-key.pem", DashboardLogin.FILE);
    static final List<String> WORKER_FILES = List.of("ca.pem", "worker.pem", "worker-key.pem");
    static final String ACCESSOR = "roles/secretmanager.secretAccessor";
    /** On the cluster's own secrets only: lets the scheduler delete them at idle teardown. */
    static final String ADMIN = "roles/secretmanager.admin";

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecrets.class);

    private final GcpClients gcp;
    private final String project;

    ClusterSecrets(GcpClients gcp, String project) {
        this.gcp = gcp;
        this.project = project;
    }

    /** {@code jcloud-<id>-}: the prefix of the cluster's secret ids. */
    static String prefix(ClusterContext cluster) {
        return GceNames.PREFIX + cluster.id() + "-";
    }

    /** A file name as a secret id part (ids allow letters, digits, '-' and '_'). */
    static String secretId(String prefix, String file) {
        return prefix + file.replace('.', '_');
    }

    /**
     * Makes the cluster's CA and certificates in its local TLS directory (unless there already),
     * stores what the machines need as secrets readable by {@code account}, and returns nothing
     * secret.
     */
    void ensure(ClusterContext cluster, Map<String, String> labels, String account) {
        Path dir = cluster.workDir().resolve(ClusterTrust.DIRECTORY);
        if (!Files.isRegularFile(dir.resolve("worker.pem"))) {
            ClusterTrust.createForCloud(dir, cluster.name(), cluster.id());
        }
        DashboardLogin.ensure(dir);
        Set<String> files = new LinkedHashSet<>(SCHEDULER_FILES);
        files.addAll(WORKER_FILES);
        for (String file : files) {
            String id = secretId(prefix(cluster), file);
            ObjectNode secret = GoogleRest.JSON.createObjectNode();
            secret.putObject("replication").putObject("automatic");
            ObjectNode l = secret.putObject("labels");
            labels.forEach(l::put);
            try {
                gcp.secretManager().post("/v1/projects/" + project + "/secrets?secretId=" + id, secret);
            } catch (GoogleRest.GoogleApiException e) {
                if (e.httpStatus() != 409) {
                    throw e;
                }
            }
            ObjectNode version = GoogleRest.JSON.createObjectNode();
            version.putObject("payload").put("data", Base64.getEncoder().encodeToString(read(dir.resolve(file))));
            gcp.secretManager().post("/v1/projects/" + project + "/secrets/" + id + ":addVersion", version);
            ObjectNode policy = GoogleRest.JSON.createObjectNode();
            var bindings = policy.putObject("policy").putArray("bindings");
            for (String role : List.of(ACCESSOR, ADMIN)) {
                ObjectNode b = bindings.addObject();
                b.put("role", role);
                b.putArray("members").add("serviceAccount:" + account);
            }
            gcp.secretManager()
                    .retryingAlso(ClusterServiceAccount.notKnownYet(cluster, project, account))
                    .post("/v1/projects/" + project + "/secrets/" + id + ":setIamPolicy", policy);
        }
        LOG.info(
                "{}: stored the machines' TLS material as Secret Manager secrets {}*, readable by {}",
                cluster.name(),
                prefix(cluster),
                account);
    }

    /** The secrets matching a list filter (e.g. one cluster's label). */
    List<JsonNode> find(String filter) {
        List<JsonNode> out = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = gcp.secretManager()
                    .get("/v1/projects/" + project + "/secrets?pageSize=100&filter="
                            + URLEncoder.encode(filter, StandardCharsets.UTF_8)
                            + (token.isEmpty()
                                    ? ""
                                    : "&pageToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            page.path("secrets").forEach(out::add);
            token = page.path("nextPageToken").asText("");
        } while (!token.isEmpty());
        return out;
    }

    /** Deletes the cluster's secrets; nothing to do when they are gone. */
    void delete(ClusterContext cluster) {
        int deleted = 0;
        for (JsonNode s : find("labels." + Labels.CLUSTER_ID + "=" + cluster.id())) {
            String name = s.path("name").asText();
            try {
                gcp.secretManager().delete("/v1/projects/" + project + "/secrets/" + Operations.lastSegment(name));
                deleted++;
            } catch (GoogleRest.GoogleApiException e) {
                if (e.httpStatus() != 404) {
                    throw e;
                }
            }
        }
        if (deleted > 0) {
            LOG.info("{}: deleted {} secret(s) {}*", cluster.name(), deleted, prefix(cluster));
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
