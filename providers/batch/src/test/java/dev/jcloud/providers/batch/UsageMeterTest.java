package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ResourceUsage;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Core-hours from Slurm's accounting, and from the job list when there is none. */
class UsageMeterTest {

    private static final String ID = "0123456789ab";
    private static final String WORKER = JobNames.of(ID, NodeRole.WORKER, "hpc");
    private static final String SCHEDULER = JobNames.of(ID, NodeRole.SCHEDULER, "hpc");

    @Test
    void sacctRecordsOfTheClusterAddUp() {
        List<BatchSystem.Accounted> records = new Slurm().parseAccounting("""
                        %s|3600|4|COMPLETED
                        %s|1800|4|RUNNING
                        %s|7200|1|RUNNING
                        jc_ffffffffffff_w_other|99999|64|COMPLETED
                        """.formatted(WORKER, WORKER, SCHEDULER));
        assertThat(records).hasSize(4);

        ResourceUsage u =
                new UsageMeter(ID).fromAccounting(records, "slurm accounting").orElseThrow();

        assertThat(u.coreHours()).isCloseTo(4 + 2 + 2, within(1e-9));
        assertThat(u.coreHoursPerHour()).isEqualTo(5);
        assertThat(u.source()).isEqualTo("slurm accounting");
    }

    @Test
    void fromTheJobListEndedJobsKeepTheirLastFigure() {
        UsageMeter meter = new UsageMeter(ID);
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        Job running = new Job("7_1", WORKER, Job.State.RUNNING, "", t0, t0);
        Job pending = new Job("7_2", WORKER, Job.State.PENDING, "Resources", t0, null);

        ResourceUsage first = meter.fromListing(List.of(running, pending), 3, t0.plusSeconds(1200), "squeue");
        assertThat(first.coreHours()).isCloseTo(1, within(1e-9)); // 20 min of 3 cores
        assertThat(first.coreHoursPerHour()).isEqualTo(3);

        // The job ended: it is no longer listed, its core-hours stay.
        ResourceUsage later = meter.fromListing(List.of(pending), 3, t0.plusSeconds(3600), "squeue");
        assertThat(later.coreHours()).isCloseTo(1, within(1e-9));
        assertThat(later.coreHoursPerHour()).isZero();
    }
}
