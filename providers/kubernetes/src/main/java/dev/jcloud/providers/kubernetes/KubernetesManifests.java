package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fixed-size cluster as plain manifests, for {@code kubectl apply} or a GitOps repository: the
 * scheduler's ServiceAccount, Role and RoleBinding, the Secret with the join token the operator
 * supplies (or, without one, a note saying how to create it, so that no secret needs to be in the
 * repository), the NetworkPolicy, the Service, a scheduler Deployment of one and a worker
 * Deployment of N replicas. Nothing here deletes workers by name (no in-cluster controller): the cluster's
 * size is the Deployment's, and the objects live until they are deleted ({@code kubectl delete -l
 * jcloud.dev/cluster-id=ID}). Engine parties authenticate with the join token instead of
 * certificates made on a workstation, so the manifests hold no key material but the token.
 */
public final class KubernetesManifests {

    /** Where the join token Secret is mounted. */
    static final String JOIN_DIR = "/etc/jcloud/join";
    /** The join token's file in the pods: key {@code token} of the join Secret. */
    static final String TOKEN_FILE = JOIN_DIR + "/token";

    private KubernetesManifests() {}

    /**
     * The manifests of cluster {@code name} with {@code workers} workers of {@code nthreads} threads
     * (and {@code memoryLimit}, or null for the engine's default), with the {@code kubernetes.*}
     * {@code options}, authenticated by {@code joinToken} (null: the operator creates the Secret).
     *
     * @throws IllegalArgumentException naming the option, when one is invalid (e.g. no image)
     */
    public static String yaml(
            String name, int workers, int nthreads, String memoryLimit, Map<String, String> options, String joinToken) {
        ClusterNames.check(name);
        ClusterContext cluster = new ClusterContext(name, ClusterNames.newId(), Path.of("."), options);
        KubernetesOptions o = KubernetesOptions.of(options);
        o.requireImage();
        String ns = o.namespace();
        String token = TOKEN_FILE;
        EngineCommand scheduler = schedulerCommand(token);
        EngineCommand worker = workerCommand(
                Labels.service(name) + "." + ns + ".svc:" + ClusterObjects.SCHEDULER_PORT,
                Integer.toString(nthreads),
                token);
        if (memoryLimit != null) {
            worker = worker.with("--memory-limit", memoryLimit);
        }
        String account = o.serviceAccount().orElse(Labels.schedulerIdentity(name));
        List<HasMetadata> objects = new ArrayList<>();
        if (o.serviceAccount().isEmpty()) {
            objects.add(ClusterObjects.serviceAccount(cluster, ns, null));
        }
        objects.add(ClusterObjects.role(cluster, ns, null));
        objects.add(ClusterObjects.roleBinding(cluster, ns, account, null));
        if (joinToken != null && !joinToken.isBlank()) {
            Secret secret = new SecretBuilder()
                    .withMetadata(ClusterObjects.meta(cluster, ns, joinSecret(name), null))
                    .withType("Opaque")
                    .withStringData(Map.of("token", joinToken.strip()))
                    .build();
            objects.add(secret);
        }
        objects.add(ClusterObjects.networkPolicy(cluster, ns, o.allowFrom(), null));
        objects.add(ClusterObjects.service(cluster, ns, o.serviceType(), null));
        objects.add(withJoinToken(EnginePods.schedulerDeployment(cluster, o, scheduler, account), name));
        objects.add(withJoinToken(EnginePods.workerDeployment(cluster, o, worker, workers), name));
        StringBuilder out = new StringBuilder("# jcloud cluster " + name + " (id " + cluster.id() + "), " + workers
                + " workers, namespace " + ns + ".\n# kubectl apply -f FILE; remove with: kubectl delete -n " + ns
                + " all,secret,sa,role,rolebinding,networkpolicy -l " + Labels.CLUSTER_ID + "=" + cluster.id() + "\n");
        if (joinToken == null || joinToken.isBlank()) {
            out.append("# First create the join token Secret the pods mount:\n#   ")
                    .append(createSecretCommand(name, ns))
                    .append('\n');
        }
        for (HasMetadata m : objects) {
            String doc = Serialization.asYaml(m);
            out.append(doc.startsWith("---") ? doc : "---\n" + doc);
        }
        return out.toString();
    }

    /** The scheduler's engine command in a fixed cluster's pod, reading the join token from {@code tokenFile}. */
    static EngineCommand schedulerCommand(String tokenFile) {
        return EngineCommand.scheduler()
                .with("--host", "0.0.0.0")
                .with("--port", Integer.toString(ClusterObjects.SCHEDULER_PORT))
                .with("--dashboard-port", Integer.toString(ClusterObjects.DASHBOARD_PORT))
                .with("--idle-timeout", "0")
                .with("--join-token-file", tokenFile);
    }

    /**
     * A worker's engine command in a fixed cluster's pod: named after its pod (a Deployment's pods
     * have unique names), never giving up on a scheduler that restarts for up to a minute.
     */
    static EngineCommand workerCommand(String schedulerAddress, String nthreads, String tokenFile) {
        return EngineCommand.worker(schedulerAddress)
                .with("--host", "0.0.0.0")
                .with("--name", "$(POD_NAME)")
                .with("--nthreads", nthreads)
                .with("--death-timeout", "60s")
                .with("--join-token-file", tokenFile);
    }

    /** The command that creates the join token Secret of cluster {@code name} in {@code namespace}. */
    static String createSecretCommand(String name, String namespace) {
        return "kubectl create secret generic " + joinSecret(name) + " -n " + namespace
                + " --from-literal=token=\"$(openssl rand -hex 32)\"";
    }

    /** The Secret holding the join token of cluster {@code name}. */
    static String joinSecret(String name) {
        return "jcloud-" + name + "-join";
    }

    /** The engine container with the join token Secret mounted read-only (and no TLS volume: no certificates here). */
    private static Deployment withJoinToken(Deployment d, String name) {
        var spec = d.getSpec().getTemplate().getSpec();
        spec.setVolumes(List.of(new VolumeBuilder()
                .withName("join")
                .withNewSecret()
                .withSecretName(joinSecret(name))
                .withDefaultMode(0400)
                .endSecret()
                .build()));
        spec.getContainers()
                .get(0)
                .setVolumeMounts(List.of(new VolumeMountBuilder()
                        .withName("join")
                        .withMountPath(JOIN_DIR)
                        .withReadOnly(true)
                        .build()));
        return d;
    }
}
