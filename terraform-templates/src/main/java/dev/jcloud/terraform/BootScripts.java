package dev.jcloud.terraform;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.util.Optional;

/**
 * The engine commands and boot scripts of a fixed cluster, rendered by jcloud's one renderers
 * ({@link EngineCommand}, {@link BootScript}); the modules embed them, never a copy.
 *
 * <p>Values only Terraform knows, or that are module variables, are placeholders that
 * {@code main.tf} replaces with {@code replace()}: the scheduler's address, and the workers'
 * threads and memory limit. Each stands alone inside the renderer's single quotes, and the value
 * replacing it cannot end them: an IP address and port, or a variable whose validation admits
 * only digits, letters and dots.
 *
 * <p>No idle timeout: a fixed cluster is always on. Workers never give up on their scheduler
 * ({@code --death-timeout 0}): the group keeps their machines running, so a worker that exited
 * while the scheduler restarts would keep costing money and do nothing.
 */
final class BootScripts {

    static final String SCHEDULER_ADDRESS = "__JCLOUD_SCHEDULER_ADDRESS__";
    static final String NTHREADS = "__JCLOUD_NTHREADS__";
    static final String MEMORY_LIMIT = "__JCLOUD_MEMORY_LIMIT__";
    static final int SCHEDULER_PORT = 8786;
    static final int DASHBOARD_PORT = 8787;
    /** The workers' fixed data port: the clouds' health checks probe it to replace a worker whose engine died. */
    static final int WORKER_PORT = 8788;
    /** The JVM may use this share of the machine's memory (the JVM's own default is a quarter). */
    static final String HEAP = "-XX:MaxRAMPercentage=75";

    private BootScripts() {
    }

    static EngineCommand schedulerCommand() {
        return EngineCommand.scheduler()
                .with("--host", "0.0.0.0")
                .with("--port", Integer.toString(SCHEDULER_PORT))
                .with("--dashboard-port", Integer.toString(DASHBOARD_PORT));
    }

    /** Members of a group come and go, so none has a fixed name: the engine's default (host-pid) is unique. */
    static EngineCommand workerCommand() {
        return EngineCommand.worker(SCHEDULER_ADDRESS)
                .with("--host", "0.0.0.0")
                .with("--port", Integer.toString(WORKER_PORT))
                .with("--nthreads", NTHREADS)
                .with("--memory-limit", MEMORY_LIMIT)
                .with("--death-timeout", "0");
    }

    static String scheduler(FixedCluster cluster, EngineArtifact engine, Optional<String> joinTokenParameter) {
        BootScript.Builder b = BootScript.builder(schedulerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId())
                .env("JCLOUD_NODE", ClusterNames.scheduler(cluster.name()));
        joinTokenParameter.ifPresent(b::joinTokenParameter);
        return b.build().render();
    }

    static String worker(FixedCluster cluster, EngineArtifact engine, Optional<String> joinTokenParameter) {
        BootScript.Builder b = BootScript.builder(workerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId());
        joinTokenParameter.ifPresent(b::joinTokenParameter);
        return b.build().render();
    }
}
