package dev.jcloud.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.engine.process.EngineMain;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The entry point of the engine container on Fargate: gives a worker its name, fetches the
 * cluster's TLS files when the cluster uses TLS, then runs {@link EngineMain} with the task's command.
 *
 * <p>A worker's name is derived from its ECS task id ({@link FargateNames#worker}), because the
 * tasks of one RunTask call share one command. The task id comes from the ECS task metadata
 * endpoint ({@code $ECS_CONTAINER_METADATA_URI_V4/task}, field {@code TaskARN}), the cluster's
 * name from {@code JCLOUD_CLUSTER} (set by the task definition). A command that already has
 * {@code --name}, and the scheduler's, pass through unchanged. Without the metadata endpoint the
 * worker refuses to start: a name the provider does not know would break scaling.
 */
public final class FargateTaskMain {

    static final String METADATA_ENV = "ECS_CONTAINER_METADATA_URI_V4";
    static final String CLUSTER_ENV = "JCLOUD_CLUSTER";
    /** With TLS: the region and the SSM path of the cluster's secrets (set by the task definition). */
    static final String SECRETS_REGION_ENV = "JCLOUD_SECRETS_REGION";

    static final String SECRETS_PREFIX_ENV = "JCLOUD_SECRETS_PREFIX";
    private static final List<String> SECRET_FILE_FLAGS =
            List.of(TlsFiles.CERT_FLAG, TlsFiles.KEY_FLAG, TlsFiles.CA_FLAG, DashboardLogin.FLAG);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FargateTaskMain() {}

    public static void main(String[] args) {
        String[] engineArgs;
        try {
            engineArgs = arguments(args, System.getenv(), METADATA_WAIT, AwsClients.defaults());
        } catch (IllegalStateException | IOException | SdkException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        EngineMain.main(engineArgs);
    }

    /**
     * The engine's arguments: {@code args}, plus {@code --name} for a worker that has none, and with
     * TLS the secret files fetched (see {@link #withSecrets}).
     */
    static String[] arguments(String[] args, Map<String, String> env, Duration metadataWait, AwsClients.Factory aws)
            throws IOException {
        return withSecrets(List.of(withName(args, env, metadataWait)), env, aws).toArray(String[]::new);
    }

    /** {@code args}, plus {@code --name} for a worker that has none. */
    static String[] withName(String[] args, Map<String, String> env, Duration metadataWait) {
        List<String> out = new ArrayList<>(List.of(args));
        if (args.length == 0 || !"worker".equals(args[0]) || out.contains("--name")) {
            return args;
        }
        String cluster = env.get(CLUSTER_ENV);
        String metadata = env.get(METADATA_ENV);
        if (cluster == null || cluster.isBlank() || metadata == null || metadata.isBlank()) {
            throw new IllegalStateException("a worker on Fargate needs " + CLUSTER_ENV + " and " + METADATA_ENV
                    + " (set by the task definition and by ECS) to derive its name; pass --name to run elsewhere");
        }
        out.add("--name");
        out.add(FargateNames.worker(cluster, taskArn(URI.create(metadata.strip() + "/task"), metadataWait)));
        return out.toArray(String[]::new);
    }

    /**
     * With {@value #SECRETS_PREFIX_ENV} set, the values of {@code --tls-cert/--tls-key/--tls-ca} (and
     * the scheduler's {@code --dashboard-token-file}) are
     * names of SSM parameters under that prefix: they are fetched with the task role into files only
     * this process's user can read, in a new private directory, and the flags get those files' paths.
     * Only names and paths are ever printed.
     */
    static List<String> withSecrets(List<String> args, Map<String, String> env, AwsClients.Factory aws)
            throws IOException {
        String prefix = env.get(SECRETS_PREFIX_ENV);
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (SECRET_FILE_FLAGS.contains(args.get(i))) {
                names.add(args.get(i + 1));
            }
        }
        if (prefix == null || prefix.isBlank() || names.isEmpty()) {
            return args;
        }
        String region = env.get(SECRETS_REGION_ENV);
        if (region == null || region.isBlank()) {
            throw new IllegalStateException(SECRETS_PREFIX_ENV + " needs " + SECRETS_REGION_ENV);
        }
        Path dir = Files.createTempDirectory(
                "jcloud-secrets-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (AwsClients clients = aws.create(region.strip())) {
            ParameterFiles.fetch(clients.ssm(), prefix.strip(), names, dir);
        }
        List<String> out = new ArrayList<>(args);
        for (int i = 0; i + 1 < out.size(); i++) {
            if (SECRET_FILE_FLAGS.contains(out.get(i))) {
                out.set(i + 1, dir.resolve(out.get(i + 1)).toString());
            }
        }
        return out;
    }

    /** The task's ARN from the metadata endpoint, retrying for a while: it can lag the container's start. */
    static String taskArn(URI taskMetadata, Duration wait) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(wait);
        String problem;
        while (true) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(taskMetadata)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    JsonNode arn = JSON.readTree(r.body()).path("TaskARN");
                    if (arn.isTextual() && arn.asText().contains(":task/")) {
                        return arn.asText();
                    }
                    problem = "no TaskARN in its answer";
                } else {
                    problem = "HTTP " + r.statusCode();
                }
            } catch (IOException e) {
                problem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the task metadata", e);
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new IllegalStateException("the ECS task metadata endpoint " + taskMetadata + " did not give this"
                        + " task's ARN (" + problem + ")");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the task metadata", e);
            }
        }
    }
}
