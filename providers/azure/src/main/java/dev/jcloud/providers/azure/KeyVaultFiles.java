package dev.jcloud.providers.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Run by the boot script on a cluster VM, before the engine: writes the cluster's Key Vault secrets
 * to files only the owner can read, with the VM's own managed identity (a token from the instance
 * metadata service, IMDS). Usage: {@code KeyVaultFiles CLIENT_ID VAULT_URL NAME... DIR} writes secret
 * {@link ClusterVaults#secretName secretName(NAME)} of the vault at {@code VAULT_URL} to
 * {@code DIR/NAME}, asking IMDS for the token of the user-assigned identity {@code CLIENT_ID}.
 * Prints only names, never values.
 *
 * <p>The token comes from azure-identity's {@code ManagedIdentityCredential}; where it asks follows
 * the SDK's conventions (IMDS at 169.254.169.254, or {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}).
 */
public final class KeyVaultFiles {

    private KeyVaultFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: KeyVaultFiles CLIENT_ID VAULT_URL NAME... DIR");
            System.exit(2);
        }
        TokenCredential identity = new ManagedIdentityCredentialBuilder().clientId(args[0]).build();
        SecretClient vault = new SecretClientBuilder().vaultUrl(args[1]).credential(identity)
                .httpClient(new JdkHttpClientBuilder().build()).addPolicy(new ContentLengthPolicy()).buildClient();
        fetch(vault, List.of(args).subList(2, args.length - 1), Path.of(args[args.length - 1]));
    }

    /** Writes the secret of each name to {@code dir/name} (mode 0600). */
    static void fetch(SecretClient vault, List<String> names, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
            String secret = ClusterVaults.secretName(name);
            byte[] value = vault.getSecret(secret).getValue().getBytes(StandardCharsets.UTF_8);
            Path file = dir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
            System.err.println("jcloud-boot: wrote " + file + " from Key Vault secret " + secret);
        }
    }
}
