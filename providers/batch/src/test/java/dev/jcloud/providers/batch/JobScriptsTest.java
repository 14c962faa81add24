package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.NodeRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The job scripts of each system: their directives, and shellcheck finds nothing in them. */
class JobScriptsTest {

    @TempDir
    Path dir;

    private static BatchSystem system(String name) {
        return switch (name) {
            case "slurm" -> new Slurm();
            case "sge" -> new GridEngine();
            default -> new Pbs();
        };
    }

    private JobScripts scripts(BatchSystem s, Map<String, String> options) {
        ClusterContext c = new ClusterContext("hpc", "0123456789ab", dir, options);
        return new JobScripts(s, c, BatchOptions.read(s.settings(), options), dir.resolve("shared/0123456789ab"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"slurm", "sge", "pbs"})
    void scriptsPassShellcheck(String name) throws Exception {
        BatchSystem s = system(name);
        Map<String, String> options = Map.of(
                name + ".walltime", "2h",
                name + ".cores", "4",
                name + ".memory", "8GiB",
                name + ".pe", "smp",
                name + ".job-extra", "--constraint haswell");
        JobScripts scripts = scripts(s, name.equals("sge") ? options : without(options, name + ".pe"));
        shellcheck(scripts.worker());
        shellcheck(scripts.scheduler());
    }

    @ParameterizedTest
    @ValueSource(strings = {"slurm", "sge", "pbs"})
    void theWorkerIsNamedByItsElementAndRetiresBeforeItsWalltime(String name) {
        String script = scripts(system(name), Map.of(name + ".walltime", "10m", name + ".walltime-margin", "90s"))
                .worker();

        assertThat(script).contains("name=hpc-worker-$((element - 1))");
        // The job id is braced: "$JOB_ID_$element" would read a variable JOB_ID_.
        assertThat(script).contains("job=\"${");
        assertThat(script).contains("retire_at=$(( started + 510 ))"); // 600 s walltime - 90 s margin
        assertThat(script).contains("--interruption-file \"$retire\" --retire-at \"$retire_at\"");
        assertThat(script).contains("jc_0123456789ab_w_hpc");
    }

    @org.junit.jupiter.api.Test
    void slurmDirectivesCarryTheFlags() {
        String script = scripts(
                        new Slurm(),
                        Map.of(
                                "slurm.partition", "compute",
                                "slurm.account", "proj42",
                                "slurm.qos", "long",
                                "slurm.walltime", "2h",
                                "slurm.walltime-margin", "5m",
                                "slurm.cores", "8",
                                "slurm.memory", "32GiB",
                                "slurm.job-extra", "--constraint=haswell --exclusive"))
                .worker();

        assertThat(script.lines().filter(l -> l.startsWith("#SBATCH")))
                .containsExactly(
                        "#SBATCH --job-name=jc_0123456789ab_w_hpc",
                        "#SBATCH --comment=jcloud:0123456789ab:hpc",
                        "#SBATCH --output=" + dir.resolve("shared/0123456789ab/logs/slurm-%A_%a.out"),
                        "#SBATCH --partition=compute",
                        "#SBATCH --account=proj42",
                        "#SBATCH --qos=long",
                        "#SBATCH --time=120",
                        "#SBATCH --ntasks=1",
                        "#SBATCH --cpus-per-task=8",
                        "#SBATCH --mem=32768M",
                        "#SBATCH --signal=B:USR1@300",
                        "#SBATCH --constraint=haswell",
                        "#SBATCH --exclusive");
    }

    @org.junit.jupiter.api.Test
    void gridEngineAsksForTheWalltimeAndTheParallelEnvironment() {
        String script = scripts(
                        new GridEngine(),
                        Map.of("sge.walltime", "1h", "sge.walltime-margin", "2m", "sge.cores", "4", "sge.pe", "smp"))
                .worker();

        assertThat(script).contains("#$ -l h_rt=01:00:00\n", "#$ -pe smp 4\n");
    }

    @org.junit.jupiter.api.Test
    void theEngineFlagsFileLeavesOutWhatTheScriptSupplies() {
        EngineCommand c = EngineCommand.worker("10.0.0.1:8786")
                .with("--name", "hpc-worker-0")
                .with("--nthreads", "2")
                .with("--death-timeout", "60s");

        String args = new String(JobScripts.argsFile(c), StandardCharsets.UTF_8);

        assertThat(args.split("\0")).containsExactly("--nthreads", "2", "--death-timeout", "60s");
        assertThat(new String(
                        JobScripts.argsFile(EngineCommand.scheduler().with("--port", "0")), StandardCharsets.UTF_8))
                .isEqualTo("--port\0" + "0\0");
    }

    @org.junit.jupiter.api.Test
    void theJavaCommandCarriesTheClusterTags() {
        String java = scripts(new Slurm(), Map.of("slurm.java", "/opt/java/bin/java", "slurm.classpath", "/opt/j/*"))
                .java(NodeRole.WORKER);

        assertThat(java)
                .startsWith("/opt/java/bin/java -Djcloud.cluster=hpc -Djcloud.cluster-id=0123456789ab")
                .contains("-cp '/opt/j/*' dev.jcloud.engine.process.EngineMain worker");
    }

    private static Map<String, String> without(Map<String, String> m, String key) {
        Map<String, String> copy = new java.util.HashMap<>(m);
        copy.remove(key);
        return copy;
    }

    private void shellcheck(String script) throws IOException, InterruptedException {
        Path file = Files.writeString(dir.resolve("script.sh"), script);
        Process p;
        try {
            p = new ProcessBuilder(List.of("shellcheck", "-s", "bash", "-S", "warning", file.toString()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            fail("shellcheck is missing: install it (Debian: shellcheck; .ci/run does)", e);
            return;
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("shellcheck of\n%s\n%s", script, out).isZero();
    }
}
