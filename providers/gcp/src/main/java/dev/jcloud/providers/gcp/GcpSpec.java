package dev.jcloud.providers.gcp;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.ModuleSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What to export for GCP Compute Engine.
 *
 * @param cluster              name, id, size, allow-from, labels
 * @param project              the project, or empty for the Google provider's default
 * @param zone                 the zone of every machine, e.g. {@code us-central1-a}
 * @param schedulerMachineType the scheduler's machine type
 * @param workerMachineType    the workers' machine type
 * @param spot                 run workers as Spot VMs (deleted when preempted; the group recreates them)
 * @param network              the VPC network (default {@code default})
 * @param subnetwork           the subnetwork, or empty for the network's subnetwork in the region
 * @param engine               where machines download the engine and its SHA-256
 */
public record GcpSpec(
        FixedCluster cluster,
        Optional<String> project,
        String zone,
        String schedulerMachineType,
        String workerMachineType,
        boolean spot,
        String network,
        Optional<String> subnetwork,
        EngineArtifact engine)
        implements ModuleSpec {

    public GcpSpec {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(project, "project is null");
        requireNonNull(zone, "zone is null");
        requireNonNull(schedulerMachineType, "schedulerMachineType is null");
        requireNonNull(workerMachineType, "workerMachineType is null");
        requireNonNull(network, "network is null");
        requireNonNull(subnetwork, "subnetwork is null");
        requireNonNull(engine, "engine is null");
    }

    /** The defaults of the {@code gcp} settings: us-central1-a, e2-standard-4, on-demand, the default network. */
    public static GcpSpec of(String name, int workers, EngineArtifact engine) {
        return (GcpSpec) new GcpTerraformExport().spec(FixedCluster.of(name, workers), Map.of(), Optional.of(engine));
    }

    @Override
    public String templates() {
        return "gcp";
    }

    @Override
    public String where() {
        return zone;
    }

    public GcpSpec withCluster(UnaryOperator<FixedCluster> change) {
        return new GcpSpec(
                change.apply(cluster),
                project,
                zone,
                schedulerMachineType,
                workerMachineType,
                spot,
                network,
                subnetwork,
                engine);
    }

    public GcpSpec withProject(String p) {
        return new GcpSpec(
                cluster,
                Optional.of(p),
                zone,
                schedulerMachineType,
                workerMachineType,
                spot,
                network,
                subnetwork,
                engine);
    }

    public GcpSpec withZone(String z) {
        return new GcpSpec(
                cluster, project, z, schedulerMachineType, workerMachineType, spot, network, subnetwork, engine);
    }

    public GcpSpec withMachineTypes(String scheduler, String worker) {
        return new GcpSpec(cluster, project, zone, scheduler, worker, spot, network, subnetwork, engine);
    }

    public GcpSpec withSpot(boolean s) {
        return new GcpSpec(
                cluster, project, zone, schedulerMachineType, workerMachineType, s, network, subnetwork, engine);
    }

    public GcpSpec withNetwork(String net, Optional<String> subnet) {
        return new GcpSpec(cluster, project, zone, schedulerMachineType, workerMachineType, spot, net, subnet, engine);
    }

    @Override
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("project", Hcl.string(project.orElse("")));
        values.put("zone", Hcl.string(zone));
        values.put("scheduler_machine_type", Hcl.string(schedulerMachineType));
        values.put("worker_machine_type", Hcl.string(workerMachineType));
        values.put("spot", Boolean.toString(spot));
        values.put("network", Hcl.string(network));
        values.put("subnetwork", Hcl.string(subnetwork.orElse("")));
        return values;
    }

    /** The boot scripts, which read the join token {@code main.tf} stores in Secret Manager. */
    @Override
    public Map<String, String> files() {
        Consumer<BootScript.Builder> token = joinToken(cluster);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("boot/scheduler.sh", BootScripts.scheduler(cluster, engine, token));
        files.put("boot/worker.sh", BootScripts.worker(cluster, engine, token));
        return files;
    }

    /** {@code jcloud-<cluster id>-}: the prefix {@link SecretFiles} puts before the token's name. */
    static String secretPrefix(FixedCluster cluster) {
        return "jcloud-" + cluster.clusterId() + "-";
    }

    /**
     * A machine reads secret {@code jcloud-<cluster id>-join-token} (the one {@code main.tf}
     * creates) with {@link SecretFiles} from the engine bundle, in the machine's own project
     * ({@code -}: the module's project is a variable, unknown here), as its service account.
     */
    static Consumer<BootScript.Builder> joinToken(FixedCluster cluster) {
        List<String> args = List.of("-", secretPrefix(cluster), BootScripts.JOIN_TOKEN_FILE);
        return b -> b.joinToken(BootStep.engineMain(SecretFiles.class.getName(), args), BootScripts.JOIN_TOKEN_FILE);
    }
}
