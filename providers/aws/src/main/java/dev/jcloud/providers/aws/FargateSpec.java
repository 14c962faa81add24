package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.ModuleSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What to export for AWS Fargate (ECS). The engine comes in a container image, so there is no
 * boot script: the task definitions run the image with the engine command's arguments.
 *
 * @param cluster         name, id, size, allow-from, tags
 * @param region          AWS region
 * @param image           the engine image (its entrypoint runs the engine's main class), or empty
 *                        to leave the variable to the operator
 * @param schedulerCpu    Fargate CPU units of the scheduler task (1024 = 1 vCPU)
 * @param schedulerMemory MiB of the scheduler task
 * @param workerCpu       Fargate CPU units of a worker task
 * @param workerMemory    MiB of a worker task
 * @param spot            run workers on FARGATE_SPOT (the scheduler always runs on FARGATE)
 * @param network         where the tasks run
 */
public record FargateSpec(
        FixedCluster cluster,
        String region,
        Optional<String> image,
        int schedulerCpu,
        int schedulerMemory,
        int workerCpu,
        int workerMemory,
        boolean spot,
        AwsNetwork network)
        implements ModuleSpec {

    public FargateSpec {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(region, "region is null");
        requireNonNull(image, "image is null");
        requireNonNull(network, "network is null");
    }

    /** The defaults of the {@code fargate} settings: 1 vCPU and 4 GiB per task, on-demand, the default VPC. */
    public static FargateSpec of(String name, int workers) {
        Map<String, String> none = Map.of();
        return new FargateSpec(
                FixedCluster.of(name, workers),
                AwsSettings.REGION.read(none),
                Optional.empty(),
                AwsSettings.WORKER_CPU.read(none),
                AwsSettings.WORKER_MEMORY.read(none),
                AwsSettings.SCHEDULER_CPU.read(none),
                AwsSettings.SCHEDULER_MEMORY.read(none),
                AwsSettings.FARGATE_SPOT.read(none),
                AwsNetwork.defaultVpc());
    }

    @Override
    public String templates() {
        return "fargate";
    }

    @Override
    public String where() {
        return region;
    }

    public FargateSpec withCluster(UnaryOperator<FixedCluster> change) {
        return new FargateSpec(
                change.apply(cluster),
                region,
                image,
                schedulerCpu,
                schedulerMemory,
                workerCpu,
                workerMemory,
                spot,
                network);
    }

    public FargateSpec withRegion(String r) {
        return new FargateSpec(
                cluster, r, image, schedulerCpu, schedulerMemory, workerCpu, workerMemory, spot, network);
    }

    public FargateSpec withImage(String i) {
        return new FargateSpec(
                cluster, region, Optional.of(i), schedulerCpu, schedulerMemory, workerCpu, workerMemory, spot, network);
    }

    public FargateSpec withSchedulerSize(int cpu, int memory) {
        return new FargateSpec(cluster, region, image, cpu, memory, workerCpu, workerMemory, spot, network);
    }

    public FargateSpec withWorkerSize(int cpu, int memory) {
        return new FargateSpec(cluster, region, image, schedulerCpu, schedulerMemory, cpu, memory, spot, network);
    }

    public FargateSpec withSpot(boolean s) {
        return new FargateSpec(
                cluster, region, image, schedulerCpu, schedulerMemory, workerCpu, workerMemory, s, network);
    }

    public FargateSpec withNetwork(AwsNetwork n) {
        return new FargateSpec(cluster, region, image, schedulerCpu, schedulerMemory, workerCpu, workerMemory, spot, n);
    }

    /** The containers run the engine command themselves: the same arguments the boot scripts exec. */
    @Override
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("region", Hcl.string(region));
        values.put("engine_image", Hcl.string(image.orElse("")));
        values.put("scheduler_cpu", Integer.toString(schedulerCpu));
        values.put("scheduler_memory", Integer.toString(schedulerMemory));
        values.put("worker_cpu", Integer.toString(workerCpu));
        values.put("worker_memory", Integer.toString(workerMemory));
        values.put("spot", Boolean.toString(spot));
        values.putAll(network.values());
        values.put("scheduler_args", Hcl.list(BootScripts.schedulerCommand().arguments()));
        values.put("worker_args", Hcl.list(BootScripts.workerCommand().arguments()));
        return values;
    }

    /** The network piece it shares with the EC2 module. */
    @Override
    public Map<String, String> files() {
        return Map.of("network.tf", AwsNetwork.template());
    }
}
