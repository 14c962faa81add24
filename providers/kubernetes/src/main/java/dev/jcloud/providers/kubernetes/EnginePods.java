package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scheduler and worker pods. A pod runs the engine image's entry point with the engine's
 * arguments; TLS files come from the cluster's Secret mounted at {@value #TLS_DIR} (the arguments
 * name paths, never contents). Pods never restart: an engine that exits is done (a retired
 * worker, an idle scheduler), and a failed one is reported, not retried in a loop.
 */
final class EnginePods {

    /** Where the Secret with the cluster's TLS material is mounted. */
    static final String TLS_DIR = "/etc/jcloud/tls";
    /** Set on the scheduler pod: the provider inside it uses the pod's service account. */
    static final String IN_CLUSTER_ENV = "JCLOUD_KUBERNETES_IN_CLUSTER";

    static final String CONTAINER = "engine";

    private EnginePods() {}

    /** The engine command as it runs in a pod: on the pod's address, with the cluster's ports and TLS files. */
    static EngineCommand inPod(ClusterContext cluster, EngineCommand command, String schedulerAddress) {
        boolean tls = ClusterTrust.enabled(cluster.options());
        EngineCommand c;
        if (command.role() == NodeRole.SCHEDULER) {
            c = command.onAllInterfaces(tls)
                    .with("--port", Integer.toString(ClusterObjects.SCHEDULER_PORT))
                    .with("--dashboard-port", Integer.toString(ClusterObjects.DASHBOARD_PORT));
        } else {
            List<String> args = command.arguments();
            c = EngineCommand.worker(schedulerAddress);
            for (int i = 2; i + 1 < args.size(); i += 2) {
                c = c.with(args.get(i), args.get(i + 1));
            }
            c = c.onAllInterfaces(tls);
        }
        if (!tls) {
            return c;
        }
        String stem = command.role() == NodeRole.SCHEDULER ? "scheduler" : "worker";
        c = c.with(TlsFiles.CERT_FLAG, TLS_DIR + "/" + stem + ".pem")
                .with(TlsFiles.KEY_FLAG, TLS_DIR + "/" + stem + "-key.pem")
                .with(TlsFiles.CA_FLAG, TLS_DIR + "/ca.pem")
                .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
        return command.role() == NodeRole.SCHEDULER
                ? c.with(DashboardLogin.FLAG, TLS_DIR + "/" + DashboardLogin.FILE)
                : c;
    }

    /** A pod named {@code name} running {@code command} (already rendered by {@link #inPod}). */
    static Pod pod(
            ClusterContext cluster,
            KubernetesOptions options,
            String name,
            EngineCommand command,
            OwnerReference owner,
            String serviceAccount) {
        NodeRole role = command.role();
        ObjectMetaBuilder meta = new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(options.namespace())
                .withLabels(Labels.pod(cluster, name, role));
        if (owner != null) {
            meta.withOwnerReferences(owner);
        }
        return new PodBuilder()
                .withMetadata(meta.build())
                .withSpec(spec(cluster, options, role, command.arguments(), serviceAccount)
                        .build())
                .build();
    }

    /**
     * A fixed-size cluster's workers as a Deployment of {@code replicas} (the manifest export, where
     * no controller deletes workers by name): each replica's pod takes its name as worker name.
     */
    static Deployment workerDeployment(
            ClusterContext cluster, KubernetesOptions options, EngineCommand command, int replicas) {
        Map<String, String> labels = Labels.pod(cluster, "", NodeRole.WORKER);
        labels.remove(Labels.NODE);
        List<String> args = new ArrayList<>(command.arguments());
        int at = args.indexOf("--name");
        if (at >= 0) {
            args.set(at + 1, "$(POD_NAME)");
        }
        return new DeploymentBuilder()
                .withMetadata(ClusterObjects.meta(cluster, options.namespace(), cluster.name() + "-workers", null))
                .editMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .withMatchLabels(Map.of(Labels.CLUSTER_ID, cluster.id(), Labels.ROLE, "worker"))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withSpec(spec(cluster, options, NodeRole.WORKER, args, null)
                        .withRestartPolicy("Always")
                        .build())
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The scheduler as a Deployment of one (the manifest export). */
    static Deployment schedulerDeployment(
            ClusterContext cluster, KubernetesOptions options, EngineCommand command, String serviceAccount) {
        Map<String, String> labels = Labels.pod(cluster, cluster.name() + "-scheduler", NodeRole.SCHEDULER);
        return new DeploymentBuilder()
                .withMetadata(ClusterObjects.meta(cluster, options.namespace(), cluster.name() + "-scheduler", null))
                .editMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .withMatchLabels(Map.of(Labels.CLUSTER_ID, cluster.id(), Labels.ROLE, "scheduler"))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withSpec(spec(cluster, options, NodeRole.SCHEDULER, command.arguments(), serviceAccount)
                        .withRestartPolicy("Always")
                        .build())
                .endTemplate()
                .endSpec()
                .build();
    }

    private static PodSpecBuilder spec(
            ClusterContext cluster,
            KubernetesOptions options,
            NodeRole role,
            List<String> arguments,
            String serviceAccount) {
        boolean scheduler = role == NodeRole.SCHEDULER;
        String cpu = scheduler ? options.schedulerCpu() : options.workerCpu();
        String memory = scheduler ? options.schedulerMemory() : options.workerMemory();
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory));
        List<EnvVar> env = new ArrayList<>();
        env.add(fieldRef("POD_NAME", "metadata.name"));
        env.add(fieldRef("POD_IP", "status.podIP"));
        if (scheduler) {
            env.add(new EnvVarBuilder()
                    .withName(IN_CLUSTER_ENV)
                    .withValue("true")
                    .build());
        }
        List<ContainerPort> ports = scheduler
                ? List.of(
                        port("engine", ClusterObjects.SCHEDULER_PORT), port("dashboard", ClusterObjects.DASHBOARD_PORT))
                : List.of();
        ContainerBuilder container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(options.requireImage())
                .withImagePullPolicy(options.imagePullPolicy())
                .withArgs(arguments)
                .withEnv(env)
                .withPorts(ports)
                .withResources(new ResourceRequirementsBuilder()
                        .withRequests(resources)
                        .withLimits(resources)
                        .build());
        PodSpecBuilder spec = new PodSpecBuilder().withRestartPolicy("Never");
        if (ClusterTrust.enabled(cluster.options())) {
            container.withVolumeMounts(new VolumeMountBuilder()
                    .withName("tls")
                    .withMountPath(TLS_DIR)
                    .withReadOnly(true)
                    .build());
            spec.withVolumes(new VolumeBuilder()
                    .withName("tls")
                    .withNewSecret()
                    .withSecretName(Labels.tlsSecret(cluster.name()))
                    .withDefaultMode(0400)
                    .endSecret()
                    .build());
        }
        spec.withContainers(container.build());
        if (scheduler) {
            spec.withServiceAccountName(serviceAccount).withAutomountServiceAccountToken(true);
        } else {
            // Workers never call the API server: no token in their pods.
            spec.withAutomountServiceAccountToken(false).withNodeSelector(options.nodeSelector());
        }
        return spec;
    }

    private static EnvVar fieldRef(String name, String path) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(path)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    private static ContainerPort port(String name, int port) {
        return new ContainerPortBuilder()
                .withName(name)
                .withContainerPort(port)
                .withProtocol("TCP")
                .build();
    }
}
