package dev.jcloud.terraform;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.util.function.Consumer;

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
 *
 * <p>The machines fetch the cluster's join token at boot with their own identity, from the secret
 * {@code main.tf} creates, by the provider's step given as {@code joinToken} (e.g.
 * {@code b -> b.joinToken(step, JOIN_TOKEN_FILE)}), so the engine serves and joins with mutual
 * TLS; the scripts hold only the secret's name.
 */
public final class BootScripts {

    public static final String SCHEDULER_ADDRESS = "__JCLOUD_SCHEDULER_ADDRESS__";
    public static final String NTHREADS = "__JCLOUD_NTHREADS__";
    public static final String MEMORY_LIMIT = "__JCLOUD_MEMORY_LIMIT__";
    public static final int SCHEDULER_PORT = 8786;
    public static final int DASHBOARD_PORT = 8787;
    /** The workers' fixed data port: the clouds' health checks probe it to replace a worker whose engine died. */
    public static final int WORKER_PORT = 8788;
    /** The JVM may use this share of the machine's memory (the JVM's own default is a quarter). */
    public static final String HEAP = "-XX:MaxRAMPercentage=75";

    /** The join token's file under the machine's secrets directory (and, for some clouds, its secret's name). */
    public static final String JOIN_TOKEN_FILE = "join-token";

    private BootScripts() {}

    /** The scheduler's engine command: every address, the fixed scheduler and dashboard ports. */
    public static EngineCommand schedulerCommand() {
        return EngineCommand.scheduler()
                .with("--host", "0.0.0.0")
                .with("--port", Integer.toString(SCHEDULER_PORT))
                .with("--dashboard-port", Integer.toString(DASHBOARD_PORT));
    }

    /** Members of a group come and go, so none has a fixed name: the engine's default (host-pid) is unique. */
    public static EngineCommand workerCommand() {
        return EngineCommand.worker(SCHEDULER_ADDRESS)
                .with("--host", "0.0.0.0")
                .with("--port", Integer.toString(WORKER_PORT))
                .with("--nthreads", NTHREADS)
                .with("--memory-limit", MEMORY_LIMIT)
                .with("--death-timeout", "0");
    }

    /** The scheduler machine's boot script; {@code joinToken} adds the provider's step that fetches the token. */
    public static String scheduler(
            FixedCluster cluster, EngineArtifact engine, Consumer<BootScript.Builder> joinToken) {
        BootScript.Builder b = BootScript.builder(schedulerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId())
                .env("JCLOUD_NODE", ClusterNames.scheduler(cluster.name()));
        joinToken.accept(b);
        return b.build().render();
    }

    /** A worker machine's boot script; {@code joinToken} adds the provider's step that fetches the token. */
    public static String worker(FixedCluster cluster, EngineArtifact engine, Consumer<BootScript.Builder> joinToken) {
        BootScript.Builder b = BootScript.builder(workerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId());
        joinToken.accept(b);
        return b.build().render();
    }
}
