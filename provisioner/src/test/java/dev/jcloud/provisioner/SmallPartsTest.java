package dev.jcloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SmallPartsTest {

    @Test
    void engineCommandRendersTheEngineArguments() {
        EngineCommand worker = EngineCommand.worker("10.0.0.5:8786")
                .with("--name", "c-worker-1")
                .with("--nthreads", "2")
                .with("--nthreads", "4");
        assertThat(worker.arguments())
                .containsExactly("worker", "10.0.0.5:8786", "--name", "c-worker-1", "--nthreads", "4");
        assertThat(EngineCommand.scheduler().with("--idle-timeout", "20m").arguments())
                .containsExactly("scheduler", "--idle-timeout", "20m");
    }

    @Test
    void providerErrorsListTheProvidersOfThisBuild() {
        CloudProviders providers =
                CloudProviders.of(new TestingCloudProvider("local"), new TestingCloudProvider("demo"));
        assertThatThrownBy(() -> providers.require("vmware"))
                .hasMessage("unknown provider 'vmware': this build has demo, local; a provider is added by putting"
                        + " its module (jcloud-provider-<name>) on the class path");
        assertThat(providers.require("LOCAL").name()).isEqualTo("local");
    }

    @Test
    void clusterNamesAreSafeForTagsAndFiles() {
        assertThat(ClusterNames.check("my-cluster-1")).isEqualTo("my-cluster-1");
        assertThat(ClusterNames.generate("local")).matches("local-[0-9a-f]{4}");
        assertThat(ClusterNames.worker("c", 3)).isEqualTo("c-worker-3");
        for (String bad : new String[] {"", "a", "-x", "1abc", "abc-", "Upper", "a_b", "x".repeat(41), "../etc"}) {
            assertThatThrownBy(() -> ClusterNames.check(bad)).hasMessageContaining("is not a valid cluster name");
        }
    }

    @Test
    void requestsAreValidated() {
        assertThatThrownBy(() -> ClusterRequest.named("cc").withWorkers(-3))
                .hasMessage("workers must be >= 0 (was -3)");
        assertThatThrownBy(() -> ClusterRequest.named("cc").withNthreads(0))
                .hasMessage("nthreads must be >= 1 (was 0)");
    }
}
