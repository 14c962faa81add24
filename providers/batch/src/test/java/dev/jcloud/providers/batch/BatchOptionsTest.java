package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad settings fail naming their flag and key, before anything is submitted. */
class BatchOptionsTest {

    @Test
    void aWalltimeBelowAMinuteIsRefused() {
        assertThatThrownBy(() -> BatchOptions.read(BatchSettings.SLURM, Map.of("slurm.walltime", "30s")))
                .hasMessageContaining("--walltime (slurm.walltime) must be at least 1m");
    }

    @Test
    void theMarginMustLeaveTimeToWork() {
        assertThatThrownBy(() -> BatchOptions.read(
                        BatchSettings.SLURM, Map.of("slurm.walltime", "2m", "slurm.walltime-margin", "2m")))
                .hasMessageContaining("--walltime-margin (slurm.walltime-margin) must leave a worker");
    }

    @Test
    void coresOnGridEngineNeedAParallelEnvironment() {
        assertThatThrownBy(() -> BatchOptions.read(BatchSettings.SGE, Map.of("sge.cores", "4")))
                .hasMessageContaining("--cores (sge.cores) 4 needs a parallel environment: give --pe (sge.pe)");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> BatchOptions.read(BatchSettings.SLURM, Map.of("slurm.cores", "many")))
                .hasMessageContaining("slurm.cores");
        assertThatThrownBy(() -> BatchOptions.read(BatchSettings.PBS, Map.of("pbs.memory", "lots")))
                .hasMessageContaining("pbs.memory");
        assertThatThrownBy(() -> BatchOptions.read(BatchSettings.SLURM, Map.of("slurm.shared-dir", "relative/dir")))
                .hasMessageContaining("--shared-dir (slurm.shared-dir) must be an absolute path");
    }

    @Test
    void sizesAndWalltimesAreWhatBatchSystemsTake() {
        BatchOptions o = BatchOptions.read(
                BatchSettings.PBS, Map.of("pbs.walltime", "90s", "pbs.walltime-margin", "30s", "pbs.memory", "32GiB"));

        assertThat(o.walltimeMinutes()).isEqualTo(2);
        assertThat(o.walltimeClock()).isEqualTo("00:02:00");
        assertThat(o.memoryMiB()).isEqualTo(32 * 1024);
        assertThat(BatchOptions.extra("--qos=long  -l h_rt=1 -P x")).containsExactly("--qos=long", "-l h_rt=1", "-P x");
    }
}
