package dev.jcloud.providers.azure;

import static java.util.Objects.requireNonNull;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Configuration;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.authorization.AuthorizationManager;
import com.azure.resourcemanager.authorization.fluent.AuthorizationManagementClient;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.fluent.VaultsClient;
import com.azure.resourcemanager.msi.MsiManager;
import com.azure.resourcemanager.msi.fluent.ManagedServiceIdentityClient;
import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import com.azure.resourcemanager.resources.ResourceManager;
import com.azure.resourcemanager.resources.fluent.ResourceManagementClient;
import com.azure.resourcemanager.resources.fluentcore.utils.HttpPipelineProvider;
import com.azure.resourcemanager.storage.StorageManager;
import com.azure.resourcemanager.storage.fluent.StorageManagementClient;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Azure Resource Manager clients of one subscription, all sharing one HTTP pipeline: one
 * credential, the SDK's retry policy (exponential backoff that honours {@code Retry-After}, so
 * throttling is handled there rather than by loops around calls) and no body logging (request
 * bodies carry the boot script).
 *
 * <p>Requests keep the {@code Content-Length} the SDK sets: the JDK transport takes the body's
 * length from it (without it every body goes out chunked, which Blob storage refuses for Put Blob
 * and Put Block, and a Shared Key signature computed over the length no longer matches). The
 * transport never forwards the header itself (the JDK client computes it from that length) and
 * logs a warning that it ignored it (logger {@code com.azure.core.http.jdk.httpclient}), which a
 * terminal's log configuration should keep below its level.
 *
 * <p>The provider works with the SDK's service clients ({@code *ManagementClient}), which map one to
 * one to REST operations: every request is visible and every long-running operation is polled by
 * {@link Lro} with a deadline, instead of the fluent layer's unbounded waits and hidden calls.
 *
 * @param storage      Storage management (the engine cache's account, container and keys)
 * @param vaults       Key Vault management (the vaults themselves and their access policies)
 * @param secrets      a Key Vault data-plane client for a vault URL, with the same credential and
 *                     transport (Key Vault's own challenge-based authentication picks the token scope)
 * @param pollInterval pause between two polls of a long-running operation when Azure sends no
 *                     {@code Retry-After}
 * @param caller       who the credential belongs to, for the log and the {@code jcloud.creator} tag
 * @param credential   the same credential, for data-plane clients that take one (Blob storage, as the
 *                     in-cluster controller asking for a user delegation key)
 * @param blobEndpoint a storage account's Blob service URL by account name: without a Resource Manager
 *                     read, which the controller's identity may not do on the engine cache
 */
record AzureClients(
        ResourceManagementClient resources,
        NetworkManagementClient network,
        ComputeManagementClient compute,
        ManagedServiceIdentityClient msi,
        AuthorizationManagementClient authorization,
        StorageManagementClient storage,
        VaultsClient vaults,
        Function<String, SecretClient> secrets,
        HttpClient http,
        Duration pollInterval,
        Caller caller,
        TokenCredential credential,
        Function<String, String> blobEndpoint) {

    /** Polls of a long-running operation without a Retry-After from Azure: VMs take about a minute. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(3);

    /** Makes the clients for one subscription and endpoint. */
    @FunctionalInterface
    interface Factory {
        AzureClients create(AzureOptions options);
    }

    /** Who a credential belongs to, read from the claims of its token (never the token itself). */
    record Caller(String display, String objectId, String tenantId) {
        @Override
        public String toString() {
            return display
                    + (objectId == null ? "" : " (object id " + objectId + ")")
                    + (tenantId == null ? "" : " in tenant " + tenantId);
        }
    }

    /** The production factory: DefaultAzureCredential and the JDK's HTTP client. */
    static Factory defaults() {
        // Built on first use: the CLI loads every provider at start, and most commands never talk to Azure.
        return factory(
                () -> new DefaultAzureCredentialBuilder().build(),
                () -> new JdkHttpClientBuilder().build(),
                POLL_INTERVAL,
                new RetryOptions(new ExponentialBackoffOptions()
                        .setMaxRetries(6)
                        .setBaseDelay(Duration.ofSeconds(1))
                        .setMaxDelay(Duration.ofSeconds(30))),
                true);
    }

    /**
     * A factory with the given credential, transport (tests: one that trusts the fake's certificate),
     * poll interval and retry options. {@code verifyVaultChallenge} false lets Key Vault clients
     * talk to a vault whose host is not under the challenge's resource domain ({@code *.vault.azure.net}):
     * only for a fake on 127.0.0.1.
     */
    static Factory factory(
            Supplier<TokenCredential> credentials,
            Supplier<HttpClient> transport,
            Duration pollInterval,
            RetryOptions retries,
            boolean verifyVaultChallenge) {
        return factory(credentials, transport, pollInterval, retries, verifyVaultChallenge, null);
    }

    /**
     * As above, with the Blob service URL of a storage account by name ({@code blobEndpoints}; null:
     * {@code https://<account>.blob.<the cloud's storage suffix>/}). Tests: the fake's address.
     */
    static Factory factory(
            Supplier<TokenCredential> credentials,
            Supplier<HttpClient> transport,
            Duration pollInterval,
            RetryOptions retries,
            boolean verifyVaultChallenge,
            Function<String, String> blobEndpoints) {
        requireNonNull(credentials, "credentials is null");
        requireNonNull(transport, "transport is null");
        return options -> {
            TokenCredential credential = credentials.get();
            HttpClient http = transport.get();
            AzureProfile profile = new AzureProfile(null, options.subscription(), environment(options.endpoint()));
            HttpPipeline pipeline = HttpPipelineProvider.buildHttpPipeline(
                    credential,
                    profile,
                    null,
                    new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE),
                    Configuration.getGlobalConfiguration(),
                    new RetryPolicy(retries),
                    List.of(),
                    http);
            ResourceManagementClient resources = ResourceManager.authenticate(pipeline, profile)
                    .withSubscription(options.subscription())
                    .serviceClient();
            Function<String, SecretClient> secrets = vaultUrl -> {
                SecretClientBuilder b = new SecretClientBuilder()
                        .vaultUrl(vaultUrl)
                        .credential(credential)
                        .httpClient(http)
                        .retryOptions(retries)
                        .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE));
                return (verifyVaultChallenge ? b : b.disableChallengeResourceVerification()).buildClient();
            };
            return new AzureClients(
                    resources,
                    NetworkManager.authenticate(pipeline, profile).serviceClient(),
                    ComputeManager.authenticate(pipeline, profile).serviceClient(),
                    MsiManager.authenticate(pipeline, profile).serviceClient(),
                    AuthorizationManager.authenticate(pipeline, profile).roleServiceClient(),
                    StorageManager.authenticate(pipeline, profile).serviceClient(),
                    KeyVaultManager.authenticate(pipeline, profile)
                            .serviceClient()
                            .getVaults(),
                    secrets,
                    http,
                    pollInterval,
                    caller(credential, profile.getEnvironment()),
                    credential,
                    blobEndpoints != null ? blobEndpoints : account -> blobEndpoint(profile.getEnvironment(), account));
        };
    }

    /** {@code https://<account>.blob.core.windows.net/} in Azure's public cloud. */
    static String blobEndpoint(AzureEnvironment environment, String account) {
        String suffix = environment.getStorageEndpointSuffix().replaceAll("^\\.+", "");
        return "https://" + account + ".blob." + suffix + "/";
    }

    /** Azure's public cloud, or the same with its Resource Manager at {@code endpoint}. */
    static AzureEnvironment environment(java.util.Optional<URI> endpoint) {
        if (endpoint.isEmpty()) {
            return AzureEnvironment.AZURE;
        }
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        String root = endpoint.get().toString();
        endpoints.put("resourceManagerEndpointUrl", root.endsWith("/") ? root : root + "/");
        return new AzureEnvironment(endpoints);
    }

    /**
     * Asks the credential for a management token once and reads who it names from its claims: the
     * user's name, or the application id of a service principal or managed identity.
     */
    private static Caller caller(TokenCredential credential, AzureEnvironment environment) {
        String scope = environment.getManagementEndpoint().replaceAll("/+$", "") + "/.default";
        AccessToken token = credential.getTokenSync(new TokenRequestContext().addScopes(scope));
        if (token == null) {
            throw new dev.jcloud.provisioner.ProvisionException(
                    "the Azure credential gave no token: sign in with"
                            + " 'az login', or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or run with a managed identity");
        }
        return claims(token.getToken());
    }

    static Caller claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return new Caller("unknown identity", null, null);
        }
        try {
            JsonNode c = new ObjectMapper()
                    .readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            String name = text(c, "upn");
            if (name == null) {
                name = text(c, "unique_name");
            }
            if (name == null && text(c, "appid") != null) {
                name = "application " + text(c, "appid");
            }
            if (name == null) {
                name = "unknown identity";
            }
            return new Caller(name, text(c, "oid"), text(c, "tid"));
        } catch (IllegalArgumentException | java.io.IOException e) {
            return new Caller("unknown identity", null, null);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
