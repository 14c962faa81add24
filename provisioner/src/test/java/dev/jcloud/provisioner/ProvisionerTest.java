package dev.jcloud.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle paths that do not need a running scheduler, against an in-memory provider. */
class ProvisionerTest {

    @TempDir
    Path stateDir;

    private TestingCloudProvider provider;
    private ClusterStateStore store;
    private Provisioner provisioner;

    @BeforeEach
    void setUp() {
        provider = new TestingCloudProvider("local");
        store = new ClusterStateStore(stateDir);
        provisioner = new Provisioner(CloudProviders.of(provider), store);
    }

    @Test
    void aFailedUpRemovesEverythingItCreatedAndReportsTheNodeLog() {
        provider.schedulerWait(n -> {
            throw new ProvisionException("the scheduler did not start: " + provider.logTail(null, n, 5));
        });

        assertThatThrownBy(
                        () -> provisioner.up("local", ClusterRequest.named("c1").withWorkers(2), 0))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("boot log of c1-scheduler");

        assertThat(provider.running).isEmpty();
        assertThat(provider.terminated).extracting(Node::name).containsExactly("c1-scheduler");
        assertThat(provider.sharedResources).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void anUnavailableProviderFailsBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> provisioner.up("aws", ClusterRequest.named("c1"), 0))
                .isInstanceOf(ProviderUnavailableException.class)
                .hasMessageStartingWith("unknown provider 'aws': this build has local;");
        assertThat(provider.launches).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void listCleansUpAClusterWhoseSchedulerIsGone() {
        ClusterRecord r = recordWithNodes("c2");
        Node scheduler = r.nodes().get(0);
        provider.kill(scheduler);

        assertThat(provisioner.list()).isEmpty();
        assertThat(store.load("c2")).isEmpty();
        assertThat(provider.terminated).containsExactlyInAnyOrderElementsOf(r.workers());
    }

    @Test
    void listKeepsAClusterWithoutVisibleSchedulerWhileItIsYoungerThanTheProvidersStartingGrace() {
        provider.startingGrace(java.time.Duration.ofMinutes(10));
        ClusterRecord r = recordWithNodes("c9");
        provider.kill(r.nodes().get(0)); // the cloud does not list the new scheduler yet

        assertThat(provisioner.list()).extracting(ClusterRecord::name).containsExactly("c9");
        assertThat(store.load("c9")).isPresent();
        assertThat(provider.terminated).isEmpty();

        // Older than the grace and still no scheduler: gone, and removed.
        store.save(new ClusterRecord(
                r.name(),
                r.id(),
                r.provider(),
                r.scheduler(),
                r.dashboard(),
                System.currentTimeMillis() - java.time.Duration.ofMinutes(11).toMillis(),
                r.nthreads(),
                r.memoryLimit(),
                r.deathTimeout(),
                r.idleTimeout(),
                r.nextWorkerIndex(),
                r.nodes(),
                r.options(),
                r.ownerPid()));
        assertThat(provisioner.list()).isEmpty();
        assertThat(store.load("c9")).isEmpty();
        assertThat(provider.terminated).containsExactlyInAnyOrderElementsOf(r.workers());
    }

    @Test
    void listShowsLiveClustersWithTheNodesTheProviderReports() {
        ClusterRecord r = recordWithNodes("c3");
        provider.kill(r.nodes().get(2));

        List<ClusterRecord> listed = provisioner.list();

        assertThat(listed).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("c3");
            assertThat(c.workers()).hasSize(1);
        });
        assertThat(store.load("c3").orElseThrow().workers()).hasSize(1);
    }

    @Test
    void downIsIdempotent() {
        ClusterRecord r = recordWithNodes("c4");
        provider.kill(r.nodes().get(0)); // no scheduler to ask: the rest is terminated

        assertThat(provisioner.down("c4", Duration.ZERO)).isEqualTo(DownResult.STOPPED);
        assertThat(provider.running).isEmpty();
        assertThat(store.load("c4")).isEmpty();
        assertThat(provisioner.down("c4", Duration.ZERO)).isEqualTo(DownResult.UNKNOWN);
    }

    @Test
    void downOfAClusterWhoseNodesAreGoneOnlyRemovesTheState() {
        ClusterRecord r = recordWithNodes("c5");
        r.nodes().forEach(provider::kill);

        assertThat(provisioner.down("c5", Duration.ZERO)).isEqualTo(DownResult.ALREADY_STOPPED);
        assertThat(store.load("c5")).isEmpty();
    }

    @Test
    void upAgainCreatesOnlyWhatIsMissing() {
        ClusterRecord first = recordWithNodes("c6");
        int launches = provider.launches.size();

        ClusterRecord again = provisioner.up("local", ClusterRequest.named("c6").withWorkers(2), 0);

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(provider.launches).hasSize(launches); // nothing launched twice
        assertThat(provider.sharedResources).containsExactly(first.id()); // bootstrap ran again, idempotently
        assertThat(provider.running).hasSize(3);
    }

    @Test
    void aFailedUpWithKeepOnFailureKeepsWhatItMadeForInspection() {
        provider.schedulerWait(n -> {
            throw new ProvisionException("the scheduler did not start");
        });

        assertThatThrownBy(() -> provisioner.up(
                        "local", ClusterRequest.named("c7").withOption(Provisioner.KEEP_ON_FAILURE, "true"), 0))
                .hasMessageContaining("the scheduler did not start")
                .hasMessageContaining("jcloud cluster down c7");

        assertThat(provider.running).extracting(Node::name).containsExactly("c7-scheduler");
        assertThat(store.load("c7")).isPresent();
        provider.schedulerWait(n -> new SchedulerEndpoint("127.0.0.1:1", null));
    }

    @Test
    void scalingDownRemovesWorkersThePlatformHasNotStartedBeforeRunningOnes() {
        ClusterRecord r = recordWithNodes("c9");
        provider.hold("c9-worker-2"); // a pending job: nothing runs there yet

        ClusterRecord scaled = provisioner.scale("c9", 1, Duration.ofSeconds(5));

        assertThat(provider.terminated).extracting(Node::name).containsExactly("c9-worker-2");
        assertThat(scaled.workers()).extracting(Node::name).containsExactly("c9-worker-1");
        assertThat(r.workers()).hasSize(2);
    }

    @Test
    void scaleToANegativeCountIsRejected() {
        assertThatThrownBy(() -> provisioner.scale("c7", -1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workers must be >= 0 (was -1)");
    }

    /** A cluster with a scheduler and two workers "running" in the fake provider, and its record saved. */
    private ClusterRecord recordWithNodes(String name) {
        ClusterContext ctx = new ClusterContext(name, ClusterNames.newId(), store.clusterDir(name), Map.of());
        List<Node> nodes = new java.util.ArrayList<>(provider.launch(
                ctx,
                new LaunchRequest(
                        NodeRole.SCHEDULER,
                        List.of(new LaunchRequest.NodeLaunch(name + "-scheduler", EngineCommand.scheduler())))));
        nodes.addAll(provider.launch(
                ctx,
                new LaunchRequest(
                        NodeRole.WORKER,
                        List.of(
                                new LaunchRequest.NodeLaunch(name + "-worker-1", EngineCommand.worker("127.0.0.1:1")),
                                new LaunchRequest.NodeLaunch(
                                        name + "-worker-2", EngineCommand.worker("127.0.0.1:1"))))));
        ClusterRecord r = new ClusterRecord(
                name,
                ctx.id(),
                "local",
                "127.0.0.1:1",
                null,
                System.currentTimeMillis(),
                1,
                null,
                "60s",
                "0",
                3,
                nodes,
                Map.of(),
                0);
        store.save(r);
        return r;
    }
}
