package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link PbsCluster} handle against the stateful fake {@code qsub}/{@code qstat}/{@code qdel}
 * of {@code src/test/fake-pbs} (first on this JVM's PATH, see the module's pom). The fake runs no
 * job, so this checks what the builder hands the provider and what {@code close()} removes: a
 * cluster of no workers comes up with its scheduler on this node and goes, and a queue PBS does
 * not know fails naming the flag, leaving nothing.
 */
class PbsClusterIT {

    private static final Path STATE = Path.of(System.getenv().getOrDefault("FAKE_PBS_STATE", "/nonexistent"));

    @TempDir
    Path state;

    private final Path shared = BatchSystems.sharedDir("jcloud-pbs-it-");
    private final PbsProvider pbs = new PbsProvider();

    @BeforeEach
    void theFakeIsOnThePath() throws IOException {
        assertThat(System.getenv("FAKE_PBS_STATE"))
                .as("FAKE_PBS_STATE: run this test through Maven (the pbs-fake execution of failsafe)")
                .isNotNull();
        Files.createDirectories(STATE);
        Files.writeString(STATE.resolve("queues"), "workq\n");
    }

    @Test
    void aClusterWithoutWorkersComesUpAndCloseRemovesIt() {
        PbsCluster cluster = PbsCluster.builder()
                .name("it-pbs")
                .workers(0)
                .queue("workq")
                .walltime(Duration.ofMinutes(30))
                .tls(false)
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(2))
                .build();
        String id = new ClusterStateStore(state).load("it-pbs").orElseThrow().id();
        assertThat(cluster.schedulerAddress()).isNotBlank();
        assertThat(Files.isDirectory(shared.resolve(id))).isTrue();

        cluster.close();

        assertThat(Files.exists(shared.resolve(id))).as("its directory").isFalse();
        assertThat(new ClusterStateStore(state).list()).isEmpty();
    }

    @Test
    void aQueuePbsDoesNotKnowFailsNamingTheFlagAndLeavesNothing() {
        assertThatThrownBy(() -> PbsCluster.builder()
                        .name("it-pbs-bad")
                        .workers(1)
                        .queue("nosuchq")
                        .tls(false)
                        .sharedDirectory(shared)
                        .stateDirectory(state)
                        .startTimeout(Duration.ofMinutes(2))
                        .build())
                .hasMessageContaining("Unknown queue")
                .hasMessageContaining("--queue (pbs.queue)");
        assertThat(pbs.jobs()).noneMatch(j -> j.name().endsWith("_it-pbs-bad"));
        assertThat(new ClusterStateStore(state).list()).isEmpty();
    }
}
