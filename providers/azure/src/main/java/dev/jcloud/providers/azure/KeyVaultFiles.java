package dev.jcloud.providers.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Run by the boot script on a cluster VM, before the engine: writes the cluster's Key Vault secrets
 * to files only the owner can read, with the VM's own managed identity (a token from the instance
 * metadata service, IMDS). Usage: {@code KeyVaultFiles CLIENT_ID VAULT_URL NAME... DIR} writes secret
 * {@link ClusterVaults#secretName secretName(NAME)} of the vault at {@code VAULT_URL} to
 * {@code DIR/NAME}, asking IMDS for the token of the user-assigned identity {@code CLIENT_ID}.
 * CLIENT_ID {@code -} ({@link #ONLY_IDENTITY}) means the machine's only managed identity: an
 * exported Terraform module's identity is created by Terraform, so its client id is not known when
 * the boot scripts are rendered. Prints only names, never values.
 *
 * <p>The token comes from azure-identity's {@code ManagedIdentityCredential}; where it asks follows
 * the SDK's conventions (IMDS at 169.254.169.254, or {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}).
 * One more environment override, for tests (unset on a VM): {@value #KEY_VAULT_PORT_ENV}, the port
 * Key Vault is reached on (the vault's host name stays, so the SDK's check of Key Vault's
 * challenge against that name stays on).
 */
public final class KeyVaultFiles {

    /** The CLIENT_ID argument that means: the machine's only managed identity. */
    public static final String ONLY_IDENTITY = "-";
    /** The port of the vault's data plane instead of the URL's (tests). */
    static final String KEY_VAULT_PORT_ENV = "JCLOUD_KEY_VAULT_PORT";
    /** Seconds to wait for the identity in IMDS and the vault's access policy (default 5 minutes). */
    static final String WAIT_ENV = "JCLOUD_KEY_VAULT_WAIT";

    private KeyVaultFiles() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: KeyVaultFiles CLIENT_ID|- VAULT_URL NAME... DIR");
            System.exit(2);
        }
        SecretClient vault = new SecretClientBuilder()
                .vaultUrl(vaultUrl(args[1], System.getenv()))
                .credential(identity(args[0]))
                .httpClient(new JdkHttpClientBuilder().build())
                .buildClient();
        fetch(vault, List.of(args).subList(2, args.length - 1), Path.of(args[args.length - 1]), wait(System.getenv()));
    }

    /** How long to wait for the identity and the vault's access policy: {@value #WAIT_ENV} seconds, else 5 minutes. */
    static Duration wait(Map<String, String> env) {
        String v = env.getOrDefault(WAIT_ENV, "").strip();
        if (v.isEmpty()) {
            return Propagation.DEFAULT_DEADLINE;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(WAIT_ENV + " must be a number of seconds, not '" + v + "'", e);
        }
    }

    /**
     * Whether a failed read may succeed later: the token could not be had (IMDS does not know the
     * VM's user-assigned identity in the first moments of a boot and answers 400 "Identity not
     * found"; azure-identity reports it as a {@link ClientAuthenticationException}), IMDS could not be
     * reached yet, or the vault refuses with 403 while the identity's access policy propagates.
     */
    static boolean notReadyYet(RuntimeException e) {
        return Propagation.causedBy(e, ClientAuthenticationException.class)
                || Propagation.causedBy(e, IOException.class)
                || Propagation.httpStatus(e, 403);
    }

    /**
     * The managed identity {@code clientId}, or with {@link #ONLY_IDENTITY} the machine's only one:
     * IMDS is then asked without {@code client_id}, which Azure documents as optional unless the VM
     * has several user-assigned identities ("client_id (Optional) ... Required, if your VM has
     * multiple user-assigned managed identities", learn.microsoft.com/entra/identity/
     * managed-identities-azure-resources/how-to-use-vm-token, "Get a token using HTTP"); a VM that
     * also has a system-assigned identity would get that one instead, so the machines using
     * {@code -} must carry exactly one user-assigned identity and no system-assigned one (as the
     * exported Azure module's scheduler VM and scale set do).
     */
    static TokenCredential identity(String clientId) {
        ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
        if (!clientId.equals(ONLY_IDENTITY)) {
            b.clientId(clientId);
        }
        return b.build();
    }

    /** {@code url}, on port {@value #KEY_VAULT_PORT_ENV} when that is set. */
    static String vaultUrl(String url, Map<String, String> env) {
        String port = env.getOrDefault(KEY_VAULT_PORT_ENV, "").strip();
        if (port.isEmpty()) {
            return url;
        }
        try {
            URI u = new URI(url);
            return new URI(u.getScheme(), u.getUserInfo(), u.getHost(), Integer.parseInt(port), u.getPath(), null, null)
                    .toString();
        } catch (URISyntaxException | NumberFormatException e) {
            throw new IllegalArgumentException("cannot put port '" + port + "' into the vault URL " + url, e);
        }
    }

    /**
     * The Key Vault secret this fetcher reads for file {@code name} (dots as '-': secret names allow
     * letters, digits and '-'): whoever stores the secret (the provider, an exported Terraform
     * module) must use the same name.
     */
    public static String secretName(String name) {
        return ClusterVaults.secretName(name);
    }

    /**
     * Writes the secret of each name to {@code dir/name} (mode 0600), waiting up to {@code wait}
     * for an identity or a grant that is not there yet ({@link #notReadyYet}).
     */
    static void fetch(SecretClient vault, List<String> names, Path dir, Duration wait) throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
            String secret = secretName(name);
            byte[] value = Propagation.await(
                            () -> vault.getSecret(secret).getValue(),
                            KeyVaultFiles::notReadyYet,
                            wait,
                            "Key Vault secret " + secret + " with this VM's identity")
                    .getBytes(StandardCharsets.UTF_8);
            Path file = dir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
            System.err.println("jcloud-boot: wrote " + file + " from Key Vault secret " + secret);
        }
    }
}
