package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.UpPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pbs provider against the stateful fake {@code qsub}/{@code qstat}/{@code qdel} of
 * {@code src/test/fake-pbs} (first on this JVM's PATH, see the module's pom): what it submits and
 * what it reads back. The fake runs no job, so the contract runs the engines in this JVM; no PBS
 * server is involved anywhere.
 */
class PbsProviderContractIT extends BatchProviderContract {

    private static final Path STATE = Path.of(System.getenv().getOrDefault("FAKE_PBS_STATE", "/nonexistent"));

    PbsProviderContractIT() {
        super("pbs");
    }

    @BeforeEach
    void theFakeIsOnThePath() throws IOException {
        assertThat(System.getenv("FAKE_PBS_STATE"))
                .as("FAKE_PBS_STATE: run this test through Maven (the pbs-fake execution of failsafe)")
                .isNotNull();
        Files.createDirectories(STATE);
        Files.deleteIfExists(STATE.resolve("capacity"));
        Files.writeString(STATE.resolve("queues"), "workq\n");
    }

    @Override
    String system() {
        return "pbs";
    }

    /** The scheduler in a job too: every node is a job of the fake, played by an engine in this JVM. */
    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new HashMap<>(super.options());
        o.put("pbs.scheduler-in-job", "true");
        o.put("tls", "false");
        return o;
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return false;
    }

    @Override
    protected CloudProvider newProvider() {
        return new PbsProvider();
    }

    @Test
    void theScriptsSubmittedAreTheOnesPlannedAndPendingElementsCarryTheirReason() throws IOException {
        PbsProvider pbs = new PbsProvider();
        Map<String, String> options = new HashMap<>(options());
        options.put("pbs.queue", "workq");
        options.put("pbs.select", "1:ncpus=4:mem=8gb");
        ClusterContext ctx = new ClusterContext("pbs-plan", "00112233aabb", dir.resolve("pbs-plan"), options);
        List<UpPlan.Step> plan = pbs.plan(ctx, 3);
        Files.writeString(STATE.resolve("capacity"), "2\n");

        pbs.bootstrap(ctx);
        List<Node> workers =
                pbs.launch(ctx, Provisioner.workerLaunches("pbs-plan", "127.0.0.1:1", 1, null, "60s", 0, 3));
        try {
            String submitted = Files.readString(STATE.resolve("jobs")
                    .resolve(
                            workers.get(0).id().substring(0, workers.get(0).id().indexOf('_')))
                    .resolve("script"));
            assertThat(plan)
                    .filteredOn(s -> s.resource().contains("job array"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.detail()).isEqualTo(submitted))
                    .satisfies(s -> assertThat(s.calls()).contains("qsub -v JCLOUD_SUBMITTED -J 1-3"));
            assertThat(submitted)
                    .contains("#PBS -q workq\n", "#PBS -l select=1:ncpus=4:mem=8gb\n", "#PBS -l walltime=00:30:00\n");
            assertThat(pbs.nodes(ctx))
                    .extracting(Node::name)
                    .containsExactlyInAnyOrder("pbs-plan-worker-0", "pbs-plan-worker-1", "pbs-plan-worker-2");
            assertThat(pbs.jobs())
                    .filteredOn(j -> j.state() == Job.State.PENDING)
                    .singleElement()
                    .satisfies(j -> assertThat(j.reason()).contains("Insufficient amount of resource"));
            assertThat(pbs.logTail(ctx, workers.get(2), 5)).contains("pending", "Insufficient amount of resource");
        } finally {
            pbs.terminate(ctx, pbs.nodes(ctx));
            pbs.deleteSharedResources(ctx);
        }
        assertThat(pbs.nodes(ctx)).isEmpty();
    }

    @Test
    void anUnknownQueueIsRefusedAtSubmissionNamingTheFlags() {
        PbsProvider pbs = new PbsProvider();
        Map<String, String> options = new HashMap<>(options());
        options.put("pbs.queue", "nosuchqueue");
        ClusterContext ctx = new ClusterContext("pbs-bad", "00112233aacc", dir.resolve("pbs-bad"), options);
        pbs.bootstrap(ctx); // PBS has no test submission: qsub itself refuses
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        pbs.launch(ctx, Provisioner.workerLaunches("pbs-bad", "127.0.0.1:1", 1, null, "60s", 0, 1)))
                .hasMessageContaining("Unknown queue")
                .hasMessageContaining("--queue (pbs.queue)");
        pbs.deleteSharedResources(ctx);
    }
}
