package dev.jcloud.provisioner.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.TestingCloudProvider;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.PriceTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-cluster controller with a fake clock, a fake scheduler and an in-memory provider: it
 * launches for queued work within the hard maximum, keeps idle workers while their paid minimum
 * lasts, retires them through the scheduler afterwards and removes their machines, and meters cost.
 */
class ClusterControllerTest {

    @TempDir
    Path dir;

    private double now = 1000;
    private final TestingCloudProvider provider = new TestingCloudProvider("demo")
            .priced(
                    new ClusterPricing.Machines("demo", "r-east-1", "m.large", "m.large", false),
                    PriceTable.load(ClusterPricing.class, "test-prices.json"),
                    BillingModel.PER_SECOND_60S_MINIMUM);
    private final FakeScheduler scheduler = new FakeScheduler();

    @Test
    void queuedWorkStartsWorkersButNeverMoreThanTheMaximum() {
        ClusterController c = controller(0, 3);
        scheduler.queue(200, 2.0); // 400 s of work, target 5 s: far more than 3 workers

        c.step();
        now += 1;
        c.step();

        assertThat(workers()).hasSize(3);
        assertThat(scheduler.gauges.get("adaptive_target_workers")).isEqualTo(3.0);
    }

    @Test
    void idleWorkersStayWhileTheirPaidMinuteLastsAndAreThenRetiredAndRemoved() {
        ClusterController c = controller(0, 3);
        scheduler.queue(20, 1.0);
        c.step();
        List<Node> started = workers();
        assertThat(started).isNotEmpty();
        // They register, work, and the queue empties.
        now += 20;
        started.forEach(n -> scheduler.register(n.name()));
        scheduler.queue(0, 1.0);

        for (int s = 0; s < 30; s++) { // 20 s + 30 s after launch: inside the 60 s paid minimum
            now += 1;
            c.step();
        }
        assertThat(scheduler.retired).isEmpty();

        for (int s = 0; s < 300 && scheduler.retired.size() < started.size(); s++) {
            now += 1;
            c.step();
        }
        assertThat(scheduler.retired)
                .containsExactlyInAnyOrderElementsOf(
                        started.stream().map(Node::name).toList());
        scheduler.retired.forEach(scheduler::leave);
        now += 1;
        c.step();
        assertThat(workers()).isEmpty(); // their machines are removed, not left billing
    }

    @Test
    void costIsBilledPerSecondWithTheMinimumPerStart() {
        ClusterController c = controller(0, 2);
        scheduler.queue(100, 1.0);
        c.step();
        List<Node> started = workers();
        started.forEach(n -> scheduler.register(n.name()));
        now += 10;
        c.step();

        // m.large in r-east-1 at $0.096/h; the scheduler and each worker are billed at least 60 s.
        double perSecond = 0.096 / 3600;
        assertThat(scheduler.gauges.get("cost_dollars_per_hour")).isCloseTo((1 + started.size()) * 0.096, within(1e-9));
        assertThat(scheduler.gauges.get("cost_dollars_total"))
                .isCloseTo((1 + started.size()) * 60 * perSecond, within(1e-9));
        assertThat(scheduler.workerGauges.get(started.get(0).name())).isCloseTo(60 * perSecond, within(1e-9));
    }

    @Test
    void coreHoursThePlatformAccountsArePublishedBesideTheCost() {
        ClusterController c = controller(0, 2);
        scheduler.queue(100, 1.0);
        c.step();
        int started = workers().size();
        assertThat(started).isPositive();
        now += 30;
        c.step();
        // The provider counts one core-hour per worker so far and one core per worker.
        assertThat(scheduler.gauges.get("core_hours_total"))
                .isEqualTo((double) workers().size());
        assertThat(scheduler.gauges.get("core_hours_per_hour"))
                .isEqualTo((double) workers().size());
    }

    @Test
    void plansWithTheBootDelayMeasuredFromTheWorkersItStarted() {
        ClusterController c = controller(0, 3);
        assertThat(c.bootDelaySeconds()).isEqualTo(30); // the spec's assumption until a start is measured
        scheduler.queue(200, 2.0);
        c.step();
        List<Node> started = workers();
        now += 95; // this platform boots slower than assumed
        started.forEach(n -> scheduler.register(n.name()));
        c.step();
        assertThat(c.bootDelaySeconds()).isEqualTo(95);
        assertThat(scheduler.gauges.get("boot_seconds")).isEqualTo(95.0);
        assertThat(provider.startups).as("the provider hears it").containsExactly(java.time.Duration.ofSeconds(95));
    }

    @Test
    void workersThePlatformHasNotStartedAreGivenUpFirstAndNeverForBeingSlow() {
        ClusterController c = controller(0, 3);
        scheduler.queue(200, 2.0);
        c.step();
        List<Node> started = workers();
        assertThat(started).hasSize(3);
        // Two start and register; the third waits in the platform's queue far beyond the boot give-up.
        scheduler.register(started.get(0).name());
        scheduler.register(started.get(1).name());
        provider.hold(started.get(2).name());
        for (int s = 0; s < 1000; s += 10) {
            now += 10;
            c.step();
        }
        assertThat(workers())
                .as("a queued worker is not given up for being slow")
                .hasSize(3);

        // The work is done: the queued worker goes at once, before any running one is retired.
        scheduler.queue(0, 2.0);
        now += 10;
        c.step();
        assertThat(workers())
                .extracting(Node::name)
                .doesNotContain(started.get(2).name());
        assertThat(scheduler.retired).doesNotContain(started.get(2).name());
    }

    @Test
    void launchesWaitWhileThePlatformHoldsAsManyRequestsAsItTakes() {
        provider.holdAll(2);
        ClusterController c = controller(0, 5);
        scheduler.queue(400, 2.0);
        c.step();
        assertThat(workers()).as("two queued at most").hasSize(2);
        now += 10;
        c.step();
        assertThat(workers()).hasSize(2);

        provider.release(workers().get(0).name());
        now += 10;
        c.step();
        assertThat(workers()).as("room for one more in the queue").hasSize(3);
    }

    @Test
    void theGoalCanChangeWhileItRuns() {
        ClusterController c = controller(0, 3);
        assertThat(c.configure("adapt", "0:3:5s:latency")).contains("goal latency");
        assertThat(c.configure("adapt", "0:4")).contains("between 0 and 4 workers, goal latency");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.configure("adapt", "0:3:5s:fast"))
                .hasMessageContaining("use one of cost, balanced, latency");
    }

    private ClusterController controller(int min, int max) {
        ClusterSpec spec = new ClusterSpec(
                ClusterSpec.KIND,
                "ctl",
                "abc123",
                "demo",
                dir.toString(),
                Map.of(),
                2,
                null,
                "60s",
                new ClusterSpec.Adapt(min, max, 5),
                30,
                60);
        ClusterController c = new ClusterController(CloudProviders.of(provider), () -> now, false);
        assertThat(c.start(scheduler, spec.toJson())).isTrue();
        return c;
    }

    private List<Node> workers() {
        return provider
                .nodes(new ClusterSpec(
                                ClusterSpec.KIND,
                                "ctl",
                                "abc123",
                                "aws",
                                dir.toString(),
                                Map.of(),
                                2,
                                null,
                                "60s",
                                null,
                                30,
                                60)
                        .context())
                .stream()
                .filter(n -> n.role() == NodeRole.WORKER)
                .toList();
    }
}
