package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Run by the boot script on a cluster machine, before the engine: writes the cluster's Secret
 * Manager secrets to files only the owner can read, with the machine's own identity (its service
 * account, through the metadata server). Usage: {@code SecretFiles PROJECT PREFIX NAME... DIR}
 * writes the latest version of secret {@code PREFIX+NAME} (dots as '_', see {@link #secretId}) to
 * {@code DIR/NAME}. PROJECT {@code -} means the machine's own project, read from the metadata
 * server: an exported Terraform module's project is a variable not known when its boot scripts
 * are rendered. Prints only names, never values.
 *
 * <p>Environment overrides for tests (unset on a machine): {@value #METADATA_HOST_ENV} (the
 * metadata server's {@code host:port}, the variable Google's auth library honours for the
 * machine's token too) and {@value #SECRET_MANAGER_ENV} (the Secret Manager API root).
 */
public final class SecretFiles {

    /** The PROJECT argument that means: this machine's project, from the metadata server. */
    public static final String OWN_PROJECT = "-";
    /** {@code host:port} of the metadata server, as Google's auth library reads it. */
    static final String METADATA_HOST_ENV = "GCE_METADATA_HOST";
    /** The Secret Manager API root. */
    static final String SECRET_MANAGER_ENV = "JCLOUD_SECRET_MANAGER_API";

    private static final String METADATA_HOST = "metadata.google.internal";
    private static final int METADATA_ATTEMPTS = 5;

    private SecretFiles() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: SecretFiles PROJECT|- PREFIX NAME... DIR");
            System.exit(2);
        }
        run(
                List.of(args),
                System.getenv(),
                GoogleCredentials.getApplicationDefault().createScoped(List.of(GcpClients.CLOUD_PLATFORM)));
    }

    /** {@link #main} with its environment and credentials given. */
    static void run(List<String> args, Map<String, String> env, Credentials credentials) throws IOException {
        String project = args.get(0).equals(OWN_PROJECT) ? projectFromMetadata(metadataRoot(env)) : args.get(0);
        String api = env.getOrDefault(SECRET_MANAGER_ENV, "https://secretmanager.googleapis.com");
        fetch(
                new GoogleRest(api, credentials),
                project,
                args.get(1),
                args.subList(2, args.size() - 1),
                Path.of(args.get(args.size() - 1)));
    }

    /**
     * The id of the secret this fetcher reads for file {@code name} under {@code prefix}, e.g.
     * {@code jcloud-<cluster id>-join-token}: whoever creates the secret (the provider, an exported
     * Terraform module) must use the same id.
     */
    public static String secretId(String prefix, String name) {
        return ClusterSecrets.secretId(prefix, name);
    }

    /** {@code http://<GCE_METADATA_HOST>}, or Google's metadata server when the variable is unset. */
    static String metadataRoot(Map<String, String> env) {
        String host = env.getOrDefault(METADATA_HOST_ENV, "");
        return "http://" + (host.isBlank() ? METADATA_HOST : host.strip());
    }

    /**
     * The machine's project id from the metadata server at {@code root} ({@code project/project-id}
     * with the {@code Metadata-Flavor: Google} header the server requires). Retried a few times
     * (the server may not answer in the first moments of a boot); fails with the last reason.
     */
    static String projectFromMetadata(String root) throws IOException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(root + "/computeMetadata/v1/project/project-id"))
                .timeout(Duration.ofSeconds(10))
                .header("Metadata-Flavor", "Google")
                .GET()
                .build();
        String failure = "";
        for (int attempt = 1; attempt <= METADATA_ATTEMPTS; attempt++) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                String project = r.body() == null ? "" : r.body().strip();
                if (r.statusCode() == 200 && !project.isEmpty()) {
                    return project;
                }
                failure = "HTTP " + r.statusCode();
                if (r.statusCode() / 100 == 4) {
                    break; // not there, or not a metadata server: asking again will not help
                }
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the project from the metadata server", e);
            }
            if (attempt < METADATA_ATTEMPTS) {
                try {
                    Thread.sleep(500L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the project from the metadata server", e);
                }
            }
        }
        throw new IOException("cannot read this machine's project from the metadata server " + root + ": " + failure);
    }

    /**
     * Secret Manager's 403 to a machine whose read grant was set moments ago: IAM grants take
     * effect after a while (Google documents up to minutes), so the read is tried again until the
     * client's deadline. A disabled API is not a 403 of this kind ({@link ApiDisabledException}).
     */
    static boolean grantNotEffectiveYet(GoogleRest.GoogleApiException e) {
        return e.httpStatus() == 403;
    }

    /**
     * Writes secret {@code prefix+name} to {@code dir/name} (mode 0600) for each name. Connection
     * failures, a token the metadata server cannot give yet (a machine seconds old), throttling and
     * a grant not effective yet are retried until the client's deadline.
     */
    static void fetch(GoogleRest secretManager, String project, String prefix, List<String> names, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
            String id = secretId(prefix, name);
            JsonNode version = secretManager
                    .retryingAlso(SecretFiles::grantNotEffectiveYet)
                    .get("/v1/projects/" + project + "/secrets/" + id + "/versions/latest:access");
            byte[] value = Base64.getDecoder()
                    .decode(version.path("payload").path("data").asText(""));
            Path file = dir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
            System.err.println("jcloud-boot: wrote " + file + " from secret " + id);
        }
    }
}
