package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.credential.AccessToken;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A new vault's name does not resolve for a while after the vault is made: what the JDK HTTP
 * client, the transport the provider uses, throws for a name that does not resolve (a
 * {@code ConnectException} caused by {@code UnresolvedAddressException}, not an
 * {@code UnknownHostException}) is what {@link ClusterVaults#notResolvableYet} waits out, directly
 * and through the Key Vault SDK's pipeline. Names under {@code .invalid} never resolve (RFC 6761).
 */
class VaultNameResolutionTest {

    private static final String NOWHERE = "jcloud-vault-not-there.invalid";

    @Test
    void theJdkClientsUnresolvedNameIsRecognised() {
        Throwable e = catchThrowable(() -> HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("https://" + NOWHERE + "/"))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.discarding()));

        assertThat(e).isInstanceOf(ConnectException.class).hasRootCauseInstanceOf(UnresolvedAddressException.class);
        assertThat(ClusterVaults.notResolvableYet(e)).isTrue();
    }

    @Test
    void theKeyVaultSdkOnTheJdkTransportFailsInAWayTheRetryRecognises() {
        var vault = new SecretClientBuilder()
                .vaultUrl("https://" + NOWHERE + "/")
                .credential(request ->
                        Mono.just(new AccessToken("unused", OffsetDateTime.now().plusHours(1))))
                .httpClient(new JdkHttpClientBuilder().build())
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
                .buildClient();

        Throwable e = catchThrowable(() -> vault.getSecret("ca-pem"));

        assertThat(e).isNotNull();
        assertThat(ClusterVaults.notResolvableYet(e)).as(String.valueOf(e)).isTrue();
        assertThat(ClusterVaults.notResolvableYet(new IllegalStateException("other")))
                .isFalse();
    }
}
