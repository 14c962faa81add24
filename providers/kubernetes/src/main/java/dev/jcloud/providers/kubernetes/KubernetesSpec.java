package dev.jcloud.providers.kubernetes;

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
 * What to export for Kubernetes: a fixed cluster as a Terraform module of the hashicorp
 * {@code kubernetes} provider, with the objects of the manifest export ({@link KubernetesManifests})
 * and the join token Secret made from a sensitive variable. The pods run the engine image with
 * the engine commands rendered here, as the manifests' pods do; no machine boots, so there are no
 * boot scripts.
 *
 * @param cluster         name, id, size, allow-from, labels
 * @param namespace       the namespace of every object
 * @param image           the engine image
 * @param imagePullPolicy when the kubelet pulls the image
 * @param schedulerCpu    CPU the scheduler pod requests and is limited to
 * @param schedulerMemory memory the scheduler pod requests and is limited to, as Kubernetes writes it
 * @param workerCpu       CPU each worker pod requests and is limited to
 * @param workerMemory    memory each worker pod requests and is limited to
 * @param nodeSelector    node labels the worker pods must run on; empty = any node
 * @param serviceAccount  an existing service account for the scheduler, or empty to create one
 * @param serviceType     the scheduler Service's type: ClusterIP or LoadBalancer
 */
public record KubernetesSpec(
        FixedCluster cluster,
        String namespace,
        String image,
        String imagePullPolicy,
        String schedulerCpu,
        String schedulerMemory,
        String workerCpu,
        String workerMemory,
        Map<String, String> nodeSelector,
        Optional<String> serviceAccount,
        String serviceType)
        implements ModuleSpec {

    public KubernetesSpec {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(namespace, "namespace is null");
        requireNonNull(image, "image is null");
        requireNonNull(imagePullPolicy, "imagePullPolicy is null");
        requireNonNull(schedulerCpu, "schedulerCpu is null");
        requireNonNull(schedulerMemory, "schedulerMemory is null");
        requireNonNull(workerCpu, "workerCpu is null");
        requireNonNull(workerMemory, "workerMemory is null");
        nodeSelector = Map.copyOf(nodeSelector);
        requireNonNull(serviceAccount, "serviceAccount is null");
        requireNonNull(serviceType, "serviceType is null");
    }

    /** The defaults of the {@code kubernetes} settings with {@code image}. */
    public static KubernetesSpec of(String name, int workers, String image) {
        return (KubernetesSpec) new KubernetesTerraformExport()
                .spec(FixedCluster.of(name, workers), Map.of(KubernetesSettings.IMAGE.path(), image), Optional.empty());
    }

    @Override
    public String templates() {
        return "kubernetes";
    }

    @Override
    public String where() {
        return "namespace " + namespace;
    }

    public KubernetesSpec withCluster(UnaryOperator<FixedCluster> change) {
        return new KubernetesSpec(
                change.apply(cluster),
                namespace,
                image,
                imagePullPolicy,
                schedulerCpu,
                schedulerMemory,
                workerCpu,
                workerMemory,
                nodeSelector,
                serviceAccount,
                serviceType);
    }

    /**
     * The placeholder values: every setting as a variable default, and the engine commands as list
     * literals, whose worker placeholders ({@link BootScripts#SCHEDULER_ADDRESS}, threads, memory
     * limit) {@code main.tf} replaces with what only Terraform knows (the namespace, the variables).
     */
    @Override
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("namespace", Hcl.string(namespace));
        values.put("image", Hcl.string(image));
        values.put("image_pull_policy", Hcl.string(imagePullPolicy));
        values.put("scheduler_cpu", Hcl.string(schedulerCpu));
        values.put("scheduler_memory", Hcl.string(schedulerMemory));
        values.put("worker_cpu", Hcl.string(workerCpu));
        values.put("worker_memory", Hcl.string(workerMemory));
        values.put("node_selector", Hcl.map(nodeSelector));
        values.put("service_account", Hcl.string(serviceAccount.orElse("")));
        values.put("service_type", Hcl.string(serviceType));
        values.put(
                "scheduler_args",
                Hcl.list(KubernetesManifests.schedulerCommand(KubernetesManifests.TOKEN_FILE)
                        .arguments()));
        values.put(
                "worker_args",
                Hcl.list(KubernetesManifests.workerCommand(
                                BootScripts.SCHEDULER_ADDRESS, BootScripts.NTHREADS, KubernetesManifests.TOKEN_FILE)
                        .with("--memory-limit", BootScripts.MEMORY_LIMIT)
                        .arguments()));
        return values;
    }
}
