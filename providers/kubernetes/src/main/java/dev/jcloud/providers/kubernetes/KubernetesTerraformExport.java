package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.ExportOptions;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import java.util.Map;
import java.util.Optional;

/**
 * The Terraform export of a Kubernetes cluster ({@link KubernetesSpec}), from the
 * {@code kubernetes.*} options: namespace, image and pull policy, CPU and memory of the pods, node
 * selector, service account and type, allow-from and {@code kubernetes.label.*}. The pods run the
 * engine image, so an engine download ({@code --engine-url}) is not used. Not carried over: the
 * kubeconfig and context (the kubernetes provider's own configuration chooses the cluster).
 */
final class KubernetesTerraformExport implements TerraformExport {

    @Override
    public ModuleSpec spec(FixedCluster cluster, Map<String, String> o, Optional<EngineArtifact> engine) {
        KubernetesOptions k = KubernetesOptions.of(o);
        int longest = cluster.name().length() + "jcloud--scheduler".length();
        if (longest > 63) {
            throw new IllegalArgumentException("name: '" + cluster.name() + "' is too long for Kubernetes object"
                    + " names (jcloud-NAME-scheduler must be at most 63 characters)");
        }
        return new KubernetesSpec(
                cluster.withAllowFrom(ExportOptions.cidrs(o, KubernetesSettings.ALLOW_FROM.path()))
                        .withTags(ExportOptions.prefixed(o, "kubernetes.label.")),
                k.namespace(),
                k.requireImage(),
                k.imagePullPolicy(),
                k.schedulerCpu(),
                k.schedulerMemory(),
                k.workerCpu(),
                k.workerMemory(),
                k.nodeSelector(),
                k.serviceAccount(),
                k.serviceType());
    }
}
