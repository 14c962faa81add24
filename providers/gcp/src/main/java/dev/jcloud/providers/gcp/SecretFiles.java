package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

/**
 * Run by the boot script on a cluster machine, before the engine: writes the cluster's Secret
 * Manager secrets to files only the owner can read, with the machine's own identity (its service
 * account, through the metadata server). Usage: {@code SecretFiles PROJECT PREFIX NAME... DIR}
 * writes the latest version of secret {@code PREFIX+NAME} (dots as '_') to {@code DIR/NAME}.
 * Prints only names, never values.
 */
public final class SecretFiles {

    private SecretFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: SecretFiles PROJECT PREFIX NAME... DIR");
            System.exit(2);
        }
        GoogleCredentials credentials = GoogleCredentials.getApplicationDefault()
                .createScoped(List.of(GcpClients.CLOUD_PLATFORM));
        fetch(new GoogleRest("https://secretmanager.googleapis.com", credentials), args[0], args[1],
                List.of(args).subList(2, args.length - 1), Path.of(args[args.length - 1]));
    }

    /** Writes secret {@code prefix+name} to {@code dir/name} (mode 0600) for each name. */
    static void fetch(GoogleRest secretManager, String project, String prefix, List<String> names, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
            String id = ClusterSecrets.secretId(prefix, name);
            JsonNode version = secretManager.get("/v1/projects/" + project + "/secrets/" + id + "/versions/latest:access");
            byte[] value = Base64.getDecoder().decode(version.path("payload").path("data").asText(""));
            Path file = dir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
            System.err.println("jcloud-boot: wrote " + file + " from secret " + id);
        }
    }
}
