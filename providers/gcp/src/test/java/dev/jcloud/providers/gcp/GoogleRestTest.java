package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link GoogleRest}'s retries against {@link FakeComputeEngine} in its time-behaving modes:
 * throttling honours {@code Retry-After} and lasts as long as the deadline allows, not a fixed
 * number of attempts; an error that is not transient is not retried; a disabled API is one line
 * naming the API and the command that enables it.
 */
class GoogleRestTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String ACCOUNTS = "/v1/projects/" + FakeComputeEngine.PROJECT + "/serviceAccounts";
    private static final GoogleRest.Retry QUICK =
            new GoogleRest.Retry(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(20));

    @Test
    void throttlingIsWaitedOutAsLongAsRetryAfterAsksAndLongerThanFiveAttempts() {
        GCE.throttle(".*/serviceAccounts", 8, 0);
        GCE.throttle(".*/serviceAccounts", 1, 1);
        GoogleRest iam = new GoogleRest(GCE.endpoint(), null, QUICK);

        long start = System.nanoTime();
        assertThat(iam.get(ACCOUNTS).path("accounts").isArray()).isTrue();

        // Eight 429s without Retry-After, then one asking for a second: ten attempts, at least that second.
        assertThat(GCE.calls("GET", ".*/serviceAccounts")).hasSize(10);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theDeadlineBoundsTheRetriesAndTheErrorSaysHowLongItLasted() {
        GCE.throttle(".*/serviceAccounts", 1_000, 0);
        GoogleRest iam = new GoogleRest(
                GCE.endpoint(),
                null,
                new GoogleRest.Retry(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofSeconds(2)));

        assertThatThrownBy(() -> iam.get(ACCOUNTS))
                .isInstanceOf(GoogleRest.GoogleApiException.class)
                .hasMessageContaining("429 RESOURCE_EXHAUSTED")
                .hasMessageContaining("still so after");
        assertThat(GCE.calls("GET", ".*/serviceAccounts").size()).isBetween(3, 400);
    }

    @Test
    void anErrorThatIsNotTransientIsNotRetriedUnlessTheCallerSaysSo() {
        GoogleRest iam = new GoogleRest(GCE.endpoint(), null, QUICK);

        assertThatThrownBy(() -> iam.get(ACCOUNTS + "/nobody@x.iam.gserviceaccount.com"))
                .isInstanceOf(GoogleRest.GoogleApiException.class)
                .hasMessageContaining("404");
        assertThat(GCE.calls("GET", ".*/serviceAccounts/.*")).hasSize(1);
    }

    @Test
    void aNewAccountIsRetriedUntilIamKnowsIt() {
        GCE.iamPropagation(Duration.ofMillis(600));
        GoogleRest iam = new GoogleRest(GCE.endpoint(), null, QUICK);
        var body = GoogleRest.JSON.createObjectNode();
        body.put("accountId", "jcloud-fresh1");
        iam.post(ACCOUNTS, body);
        String email = "jcloud-fresh1@" + FakeComputeEngine.PROJECT + ".iam.gserviceaccount.com";
        var policy = GoogleRest.JSON.createObjectNode();
        var binding = policy.putObject("policy").putArray("bindings").addObject();
        binding.put("role", "roles/iam.serviceAccountUser");
        binding.putArray("members").add("serviceAccount:" + email);

        // Without the caller's predicate IAM's 400 is final; with it the call goes through once IAM knows the account.
        assertThatThrownBy(() -> iam.post(ACCOUNTS + "/" + email + ":setIamPolicy", policy))
                .hasMessageContaining("400 INVALID_ARGUMENT: Service account " + email + " does not exist.");
        iam.retryingAlso(ClusterServiceAccount.notKnownYet(email))
                .post(ACCOUNTS + "/" + email + ":setIamPolicy", policy);

        assertThat(GCE.serviceAccountPolicy(email).toString()).contains(email);
        assertThat(GCE.calls("POST", ".*:setIamPolicy").size()).isGreaterThan(2);
    }

    @Test
    void aDisabledApiIsOneLineNamingItAndTheCommandThatEnablesIt() {
        GCE.disableApi("secretmanager.googleapis.com");
        GoogleRest secrets = new GoogleRest(GCE.endpoint(), null, QUICK);

        assertThatThrownBy(() -> secrets.get("/v1/projects/" + FakeComputeEngine.PROJECT + "/secrets"))
                .isInstanceOf(ApiDisabledException.class)
                .hasMessage("the Secret Manager API (secretmanager.googleapis.com) is not enabled in project "
                        + FakeComputeEngine.PROJECT_NUMBER
                        + ": enable it with 'gcloud services enable secretmanager.googleapis.com --project "
                        + FakeComputeEngine.PROJECT_NUMBER
                        + "' or at https://console.developers.google.com/apis/api/secretmanager.googleapis.com/overview?project="
                        + FakeComputeEngine.PROJECT_NUMBER + ", wait a minute, and run the command again");
        // Asked once: waiting does not enable an API.
        assertThat(GCE.calls("GET", ".*/secrets")).hasSize(1);
    }

    @Test
    void retryAfterIsReadInSecondsAndAnythingElseCountsAsNone() {
        assertThat(GoogleRest.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(GoogleRest.retryAfter(" 2 ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(GoogleRest.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(GoogleRest.retryAfter("")).isEqualTo(Duration.ZERO);
        assertThat(GoogleRest.retryAfter("999999")).isEqualTo(Duration.ofHours(1));
    }
}
