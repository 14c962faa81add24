package dev.jcloud.terraform;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.ShellQuote;
import java.util.List;
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
 * {@code main.tf} creates ({@link #awsJoinToken}, {@link #gcpJoinToken}, {@link #azureJoinToken}),
 * so the engine serves and joins with mutual TLS; the scripts hold only the secret's name.
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

    /** The engine's main that fetches a GCP cluster's Secret Manager secrets (the CLI's class path is the engine bundle). */
    static final String GCP_SECRET_FILES = "dev.jcloud.providers.gcp.SecretFiles";
    /** The join token's file under the machine's secrets directory, and its secret's name after the prefix. */
    static final String JOIN_TOKEN_FILE = "join-token";
    /** The engine's main that fetches an Azure cluster's Key Vault secrets with the VM's managed identity. */
    static final String AZURE_KEY_VAULT_FILES = "dev.jcloud.providers.azure.KeyVaultFiles";
    /** KeyVaultFiles' CLIENT_ID for the VM's only managed identity (the module's identity's id is not known at export). */
    static final String AZURE_ONLY_IDENTITY = "-";

    private BootScripts() {}

    /**
     * The SSM SecureString parameter holding an AWS cluster's join token. {@code main.tf} creates
     * it under the same name ({@code /jcloud/<cluster id>/join-token}); the AWS CLI reads it at boot.
     */
    static String awsJoinTokenParameter(FixedCluster cluster) {
        return "/jcloud/" + cluster.clusterId() + "/join-token";
    }

    /** An AWS machine reads that parameter with the AWS CLI, as its instance profile. */
    static Consumer<BootScript.Builder> awsJoinToken(FixedCluster cluster) {
        BootStep step = BootStep.shell("aws ssm get-parameter --with-decryption --name "
                + ShellQuote.quote(awsJoinTokenParameter(cluster))
                + " --query Parameter.Value --output text > \"$1/" + JOIN_TOKEN_FILE + "\"");
        return b -> b.joinToken(step, JOIN_TOKEN_FILE);
    }

    /** {@code jcloud-<cluster id>-}: the prefix {@code SecretFiles} puts before the token's name. */
    static String gcpSecretPrefix(FixedCluster cluster) {
        return "jcloud-" + cluster.clusterId() + "-";
    }

    /**
     * A GCP machine reads secret {@code jcloud-<cluster id>-join-token} (the one {@code main.tf}
     * creates) with {@code SecretFiles} from the engine bundle, in the machine's own project
     * ({@code -}: the module's project is a variable, unknown here), as its service account.
     */
    static Consumer<BootScript.Builder> gcpJoinToken(FixedCluster cluster) {
        List<String> args = List.of("-", gcpSecretPrefix(cluster), JOIN_TOKEN_FILE);
        return b -> b.joinToken(BootStep.engineMain(GCP_SECRET_FILES, args), JOIN_TOKEN_FILE);
    }

    /**
     * {@code https://jcloud-<cluster id>.vault.azure.net/}: the Key Vault {@code main.tf} creates
     * ({@code name = "jcloud-${var.cluster_id}"}), in Azure's public cloud.
     */
    static String azureVaultUrl(FixedCluster cluster) {
        return "https://jcloud-" + cluster.clusterId() + ".vault.azure.net/";
    }

    /**
     * An Azure machine reads secret {@code join-token} of the cluster's vault (the one {@code main.tf}
     * creates, readable only by the machines' identity) with {@code KeyVaultFiles} from the engine
     * bundle, as its only managed identity ({@code -}: the scheduler VM and the scale set carry the
     * one user-assigned identity and no system-assigned one).
     */
    static Consumer<BootScript.Builder> azureJoinToken(FixedCluster cluster) {
        List<String> args = List.of(AZURE_ONLY_IDENTITY, azureVaultUrl(cluster), JOIN_TOKEN_FILE);
        return b -> b.joinToken(BootStep.engineMain(AZURE_KEY_VAULT_FILES, args), JOIN_TOKEN_FILE);
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

    static String scheduler(FixedCluster cluster, EngineArtifact engine, Consumer<BootScript.Builder> joinToken) {
        BootScript.Builder b = BootScript.builder(schedulerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId())
                .env("JCLOUD_NODE", ClusterNames.scheduler(cluster.name()));
        joinToken.accept(b);
        return b.build().render();
    }

    static String worker(FixedCluster cluster, EngineArtifact engine, Consumer<BootScript.Builder> joinToken) {
        BootScript.Builder b = BootScript.builder(workerCommand(), engine)
                .jvmOption(HEAP)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.clusterId());
        joinToken.accept(b);
        return b.build().render();
    }
}
