package dev.jcloud.providers.kubernetes;

import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.WaitingNode;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.PriceTable;
import dev.jcloud.provisioner.net.SchedulerProbe;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ManifestExport;
import dev.jcloud.terraform.TerraformExport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters as pods in a Kubernetes namespace (provider name {@code kubernetes}), through fabric8's
 * client. {@code up} checks the user's permissions with {@code SelfSubjectAccessReview}s, then
 * makes the cluster object (a ConfigMap every other object is owned by), the scheduler's service
 * account, Role and RoleBinding, the Secret with the TLS material, the NetworkPolicy and the
 * Service, and the scheduler and worker pods. Workers are pods named after the worker, created and
 * deleted by name (by {@code up}/{@code scale} and by the in-cluster controller in the scheduler
 * pod), never by a ReplicaSet that would pick a busy one. Deleting the cluster object deletes the
 * cluster: that is what idle teardown does, and what {@code down} and {@code gc} finish with.
 *
 * <p>Every object carries the labels {@code jcloud.dev/cluster}, {@code jcloud.dev/cluster-id}
 * and {@code jcloud.dev/role} (pods also {@code jcloud.dev/node}), which {@link #nodes},
 * {@link #discover} and {@link #gc} search by. Pending pods count as nodes (capacity already
 * requested); a pod that cannot start (image pull failure, crash) does not, and its status,
 * events and last log lines are in {@link #logTail}.
 */
public final class KubernetesProvider implements CloudProvider, ManifestExport {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesProvider.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long GRACE_SECONDS = 10;

    /** Whether the engine answers: its dashboard's metrics (a TCP connect alone proves nothing). */
    private final SchedulerProbe probe = SchedulerProbe.metrics(ClusterObjects.DASHBOARD_PORT);

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public String description() {
        return "Pods in a Kubernetes namespace, removed by the API server with their cluster object.";
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(KubernetesSettings.SECTION);
    }

    @Override
    public String userTagPrefix() {
        return "kubernetes.label.";
    }

    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(20);
    }

    /** Pod-seconds, no minimum: a pod's share of its node costs while it exists. */
    @Override
    public BillingModel billing(Map<String, String> options) {
        return BillingModel.NONE;
    }

    /** Priced only with {@code kubernetes.worker-price}; otherwise costs are counted in pod-hours. */
    @Override
    public Optional<ClusterPricing> pricing(Map<String, String> options) {
        return KubernetesOptions.of(options).workerPricePerHour().map(p -> {
            PriceTable.Price price = new PriceTable.Price(p, p, 0, false);
            return new ClusterPricing(
                    price, price, false, billing(options), "", false, "a pod at $" + p + "/h of its node pool");
        });
    }

    @Override
    public Optional<String> permissionPolicy() {
        return Optional.of(RolePolicy.yaml());
    }

    @Override
    public void validate(ClusterContext cluster) {
        KubernetesOptions options = KubernetesOptions.of(cluster);
        options.requireImage();
        if (cluster.name().length() + "-worker-".length() + 6 > 63) {
            throw new IllegalArgumentException("cluster name " + cluster.name() + " is too long for pod names");
        }
    }

    @Override
    public List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        String ns = "namespace " + o.namespace();
        UpPlan.Builder b = new UpPlan.Builder()
                .create(
                        "permission check",
                        "SelfSubjectAccessReview x" + AccessPreflight.UP.size(),
                        "nothing is created without them")
                .create("cluster object ConfigMap " + Labels.clusterObject(cluster.name()), "create", ns + "; owns all")
                .create(
                        "ServiceAccount, Role, RoleBinding " + Labels.schedulerIdentity(cluster.name()),
                        "create",
                        "pods create/delete/list/watch");
        if (ClusterTrust.enabled(cluster.options())) {
            b.create("Secret " + Labels.tlsSecret(cluster.name()), "create", "TLS material, mounted read-only");
        }
        return b.create("NetworkPolicy " + Labels.networkPolicy(cluster.name()), "create", "cluster pods only")
                .create("Service " + Labels.service(cluster.name()), "create", o.serviceType())
                .launch("scheduler pod " + ClusterNames.scheduler(cluster.name()), "launch", o.requireImage())
                .launch(
                        workers + " worker pod(s)",
                        "launch",
                        o.workerCpu() + " CPU, " + o.workerMemory() + " each, at most " + o.maxWorkers())
                .steps();
    }

    /**
     * Offers the Terraform export ({@link KubernetesTerraformExport}) besides the manifest export
     * this provider implements itself.
     */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == TerraformExport.class) {
            return Optional.of(type.cast(new KubernetesTerraformExport()));
        }
        return CloudProvider.super.capability(type);
    }

    /** A fixed cluster as plain manifests ({@link KubernetesManifests}); the operator creates the join token Secret. */
    @Override
    public String manifests(FixedCluster cluster, Map<String, String> options) {
        return KubernetesManifests.yaml(
                cluster.name(),
                cluster.workers(),
                cluster.nthreads(),
                cluster.memoryLimit().equals("auto") ? null : cluster.memoryLimit(),
                options,
                null);
    }

    @Override
    public String nextSteps(FixedCluster cluster, Map<String, String> options, String dir) {
        String ns = KubernetesOptions.of(options).namespace();
        return KubernetesManifests.createSecretCommand(cluster.name(), ns) + "\nkubectl apply -f " + dir + "/"
                + ManifestExport.FILE;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void bootstrap(ClusterContext cluster) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        o.requireImage();
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            AccessPreflight.require(client, o.namespace(), AccessPreflight.UP);
            ConfigMap owner = ensureClusterObject(client, cluster, o);
            OwnerReference ref = ClusterObjects.ownedBy(owner);
            String ns = o.namespace();
            String account = o.serviceAccount().orElse(Labels.schedulerIdentity(cluster.name()));
            if (o.serviceAccount().isEmpty()) {
                createIfAbsent(client, ClusterObjects.serviceAccount(cluster, ns, ref));
            }
            createIfAbsent(client, ClusterObjects.role(cluster, ns, ref));
            createIfAbsent(client, ClusterObjects.roleBinding(cluster, ns, account, ref));
            if (ClusterTrust.enabled(cluster.options())) {
                createIfAbsent(client, ClusterObjects.tlsSecret(cluster, ns, tlsFiles(cluster), ref));
            }
            createIfAbsent(client, ClusterObjects.networkPolicy(cluster, ns, o.allowFrom(), ref));
            createIfAbsent(client, ClusterObjects.service(cluster, ns, o.serviceType(), ref));
        } catch (KubernetesClientException e) {
            throw apiError("creating the objects of cluster " + cluster.name(), e);
        }
    }

    private static ConfigMap ensureClusterObject(KubernetesClient client, ClusterContext cluster, KubernetesOptions o) {
        String name = Labels.clusterObject(cluster.name());
        ConfigMap existing =
                client.configMaps().inNamespace(o.namespace()).withName(name).get();
        if (existing != null) {
            String id = existing.getMetadata().getLabels().get(Labels.CLUSTER_ID);
            if (!cluster.id().equals(id)) {
                throw new ProvisionException("namespace " + o.namespace() + " already has a cluster named "
                        + cluster.name() + " (id " + id + "): choose another name, or remove it with 'jcloud cluster"
                        + " down " + cluster.name() + " --provider kubernetes'");
            }
            return existing;
        }
        return client.configMaps()
                .inNamespace(o.namespace())
                .resource(ClusterObjects.clusterObject(cluster, o.namespace()))
                .create();
    }

    private static void createIfAbsent(KubernetesClient client, HasMetadata object) {
        if (client.resource(object).get() == null) {
            client.resource(object).create();
        }
    }

    /** The pods' TLS files, made on this machine (the CA key never leaves it). */
    private static Map<String, byte[]> tlsFiles(ClusterContext cluster) {
        Path dir = cluster.workDir().resolve(ClusterTrust.DIRECTORY);
        if (!Files.isRegularFile(dir.resolve("worker.pem"))) {
            ClusterTrust.createForCloud(dir, cluster.name(), cluster.id());
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of(
                "ca.pem", "scheduler.pem", "scheduler-key.pem", "worker.pem", "worker-key.pem", DashboardLogin.FILE)) {
            try {
                files.put(f, Files.readAllBytes(dir.resolve(f)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + dir.resolve(f) + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        if (request.nodes().isEmpty()) {
            return List.of();
        }
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            ConfigMap owner = client.configMaps()
                    .inNamespace(o.namespace())
                    .withName(Labels.clusterObject(cluster.name()))
                    .get();
            if (owner == null
                    || !cluster.id().equals(owner.getMetadata().getLabels().get(Labels.CLUSTER_ID))) {
                throw new ProvisionException("the cluster object " + Labels.clusterObject(cluster.name())
                        + " of cluster " + cluster.name() + " is missing in namespace " + o.namespace()
                        + ": run 'jcloud cluster up' again to recreate it");
            }
            List<Pod> pods = pods(client, cluster, o);
            String schedulerAddress = null;
            if (request.role() == NodeRole.WORKER) {
                long running = pods.stream()
                        .filter(p -> !PodStates.gone(p) && "worker".equals(role(p)))
                        .count();
                if (running + request.nodes().size() > o.maxWorkers()) {
                    throw new ProvisionException("cluster " + cluster.name() + " would have "
                            + (running + request.nodes().size()) + " workers, more than its maximum of "
                            + o.maxWorkers() + " (" + KubernetesSettings.MAX_WORKERS.path() + ")");
                }
                schedulerAddress = pods.stream()
                        .filter(p -> "scheduler".equals(role(p)) && !PodStates.gone(p))
                        .map(PodStates::ip)
                        .flatMap(Optional::stream)
                        .findFirst()
                        .map(ip -> ip + ":" + ClusterObjects.SCHEDULER_PORT)
                        .orElse(Labels.service(cluster.name()) + "." + o.namespace() + ".svc:"
                                + ClusterObjects.SCHEDULER_PORT);
            }
            String account = o.serviceAccount().orElse(Labels.schedulerIdentity(cluster.name()));
            OwnerReference ref = ClusterObjects.ownedBy(owner);
            List<Node> made = new ArrayList<>();
            try {
                for (LaunchRequest.NodeLaunch n : request.nodes()) {
                    EngineCommand command = EnginePods.inPod(cluster, n.command(), schedulerAddress);
                    Pod pod = EnginePods.pod(cluster, o, n.name(), command, ref, account);
                    client.pods().inNamespace(o.namespace()).resource(pod).create();
                    made.add(new Node(n.name(), n.name(), request.role()));
                }
            } catch (KubernetesClientException e) {
                if (!made.isEmpty()) {
                    try {
                        terminate(cluster, made);
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw apiError("creating " + request.role().label() + " pods of cluster " + cluster.name(), e);
            }
            LOG.info(
                    "{}: created {} {} pod(s) {}",
                    cluster.name(),
                    made.size(),
                    request.role().label(),
                    made.stream().map(Node::name).toList());
            return made;
        }
    }

    /**
     * Waits until the scheduler pod has an address where the engine accepts connections. Ends at
     * once, with the pod's events and last log lines, when it cannot start (image pull failure,
     * crash); at the deadline the message says why it is still waiting (e.g. unschedulable).
     */
    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            while (true) {
                Pod pod = pod(client, cluster, o, scheduler.name()).orElse(null);
                if (pod == null) {
                    throw new ProvisionException(
                            "the scheduler pod " + scheduler.name() + " is gone (namespace " + o.namespace() + ")");
                }
                Optional<String> failure = PodStates.failure(pod);
                if (failure.isPresent() || PodStates.gone(pod)) {
                    throw new ProvisionException("the scheduler pod " + scheduler.name() + " cannot start: "
                            + failure.orElse(PodStates.phase(pod)) + describe(client, o, pod, 20));
                }
                // A load balancer's address once it has one; until then (and for ClusterIP) the pod's.
                Optional<String> host =
                        o.serviceType().equals("LoadBalancer") ? loadBalancer(client, cluster, o) : PodStates.ip(pod);
                if (host.isPresent() && probe.answers(host.get())) {
                    return new SchedulerEndpoint(
                            host.get() + ":" + ClusterObjects.SCHEDULER_PORT,
                            host.get() + ":" + ClusterObjects.DASHBOARD_PORT);
                }
                if (!Instant.now().isBefore(deadline)) {
                    String why = PodStates.unschedulable(pod)
                            .map(r -> "it is not scheduled: " + r)
                            .orElse("it is " + PodStates.phase(pod)
                                    + host.map(h -> " at " + h).orElse(" without an address"));
                    throw new ProvisionException("the scheduler pod " + scheduler.name() + " did not listen on port "
                            + ClusterObjects.SCHEDULER_PORT + " in time: " + why + describe(client, o, pod, 20));
                }
                sleep(POLL);
            }
        } catch (KubernetesClientException e) {
            throw apiError("waiting for the scheduler of " + cluster.name(), e);
        }
    }

    private static Optional<String> loadBalancer(KubernetesClient client, ClusterContext cluster, KubernetesOptions o) {
        var svc = client.services()
                .inNamespace(o.namespace())
                .withName(Labels.service(cluster.name()))
                .get();
        if (svc == null || svc.getStatus() == null || svc.getStatus().getLoadBalancer() == null) {
            return Optional.empty();
        }
        var ingress = svc.getStatus().getLoadBalancer().getIngress();
        if (ingress == null || ingress.isEmpty()) {
            return Optional.empty();
        }
        var first = ingress.get(0);
        return Optional.ofNullable(first.getIp() != null ? first.getIp() : first.getHostname());
    }

    /** Pending pods, with why the scheduler cannot place them or why their container does not start. */
    @Override
    public List<WaitingNode> waitingNodes(ClusterContext cluster) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            return pods(client, cluster, o).stream()
                    .filter(p -> "Pending".equals(PodStates.phase(p)))
                    .flatMap(p -> node(p).stream()
                            .map(n -> new WaitingNode(
                                    n,
                                    p.getMetadata().getName() + ": pending"
                                            + PodStates.unschedulable(p)
                                                    .or(() -> PodStates.failure(p))
                                                    .map(why -> ", " + why)
                                                    .orElse(""))))
                    .toList();
        } catch (KubernetesClientException e) {
            throw apiError("listing the pods of cluster " + cluster.name(), e);
        }
    }

    /** Pods that run or wait to run (pending and unschedulable ones are capacity already asked for). */
    @Override
    public List<Node> nodes(ClusterContext cluster) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            return pods(client, cluster, o).stream()
                    .filter(p -> !PodStates.gone(p) && PodStates.failure(p).isEmpty())
                    .map(KubernetesProvider::node)
                    .flatMap(Optional::stream)
                    .toList();
        } catch (KubernetesClientException e) {
            throw apiError("listing the pods of cluster " + cluster.name(), e);
        }
    }

    /** Deletes exactly the named pods of this cluster (a pod of the same name from another cluster stays). */
    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        Set<String> names = new HashSet<>();
        nodes.forEach(n -> names.add(n.name()));
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            for (Pod p : pods(client, cluster, o)) {
                if (names.contains(p.getMetadata().getName())) {
                    client.pods()
                            .inNamespace(o.namespace())
                            .withName(p.getMetadata().getName())
                            .withGracePeriod(GRACE_SECONDS)
                            .delete();
                }
            }
        } catch (KubernetesClientException e) {
            throw apiError("deleting pods of cluster " + cluster.name(), e);
        }
    }

    /**
     * Deletes every object of the cluster: each labelled object, then the cluster object (whose
     * deletion alone would let the API server's garbage collector do the same, later).
     */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            ClusterResources.deleteAll(client, o.namespace(), Map.of(Labels.CLUSTER_ID, cluster.id()));
        } catch (KubernetesClientException e) {
            throw apiError("deleting the objects of cluster " + cluster.name(), e);
        }
    }

    /**
     * Idle teardown from the scheduler pod: deletes the cluster object, and the API server removes
     * every object it owns, this pod last among them.
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            client.configMaps()
                    .inNamespace(o.namespace())
                    .withName(Labels.clusterObject(cluster.name()))
                    .delete();
        }
    }

    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        KubernetesOptions o = KubernetesOptions.of(options);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            Map<String, ClusterContext> found = new LinkedHashMap<>();
            for (Pod p : client.pods()
                    .inNamespace(o.namespace())
                    .withLabel(Labels.ROLE, "scheduler")
                    .list()
                    .getItems()) {
                Map<String, String> l = p.getMetadata().getLabels();
                if (PodStates.gone(p) || l.get(Labels.CLUSTER_ID) == null || l.get(Labels.CLUSTER) == null) {
                    continue;
                }
                found.putIfAbsent(
                        l.get(Labels.CLUSTER_ID),
                        new ClusterContext(
                                l.get(Labels.CLUSTER),
                                l.get(Labels.CLUSTER_ID),
                                Path.of(
                                        System.getProperty("java.io.tmpdir"),
                                        "jcloud-kubernetes",
                                        l.get(Labels.CLUSTER_ID)),
                                options));
            }
            return List.copyOf(found.values());
        } catch (KubernetesClientException e) {
            throw apiError("listing clusters in namespace " + o.namespace(), e);
        }
    }

    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        KubernetesOptions o = KubernetesOptions.of(options);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            return ClusterResources.gc(client, o.namespace(), dryRun, minAge);
        } catch (KubernetesClientException e) {
            throw apiError("collecting leftovers in namespace " + o.namespace(), e);
        }
    }

    /** The pod's state, why it waits or failed, its events, and its last log lines. */
    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        KubernetesOptions o = KubernetesOptions.of(cluster);
        try (KubernetesClient client = KubernetesClients.connect(o)) {
            return pod(client, cluster, o, node.name())
                    .map(p -> describe(client, o, p, lines).strip())
                    .orElse("");
        } catch (RuntimeException e) {
            return "(cannot read the pod " + node.name() + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        if (!follow) {
            KubernetesOptions o = KubernetesOptions.of(cluster);
            try (KubernetesClient client = KubernetesClients.connect(o)) {
                return log(client, o, node.name(), 10_000).lines();
            }
        }
        KubernetesOptions o = KubernetesOptions.of(cluster);
        KubernetesClient client = KubernetesClients.connect(o);
        LogWatch watch =
                client.pods().inNamespace(o.namespace()).withName(node.name()).watchLog();
        BufferedReader reader = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8));
        return reader.lines().onClose(() -> {
            watch.close();
            client.close();
        });
    }

    // ------------------------------------------------------------------ helpers

    static List<Pod> pods(KubernetesClient client, ClusterContext cluster, KubernetesOptions o) {
        return client.pods()
                .inNamespace(o.namespace())
                .withLabel(Labels.CLUSTER_ID, cluster.id())
                .list()
                .getItems();
    }

    private static Optional<Pod> pod(
            KubernetesClient client, ClusterContext cluster, KubernetesOptions o, String name) {
        return pods(client, cluster, o).stream()
                .filter(p -> p.getMetadata().getName().equals(name))
                .findFirst();
    }

    private static String role(Pod p) {
        return p.getMetadata().getLabels().get(Labels.ROLE);
    }

    private static Optional<Node> node(Pod p) {
        String role = role(p);
        if (!"scheduler".equals(role) && !"worker".equals(role)) {
            return Optional.empty();
        }
        String name = p.getMetadata().getName();
        return Optional.of(new Node(name, name, role.equals("scheduler") ? NodeRole.SCHEDULER : NodeRole.WORKER));
    }

    /** The pod's phase and reasons, its events and its last {@code lines} log lines, as an error's tail. */
    static String describe(KubernetesClient client, KubernetesOptions o, Pod pod, int lines) {
        StringBuilder b = new StringBuilder("\n  pod ")
                .append(pod.getMetadata().getName())
                .append(": ")
                .append(PodStates.phase(pod));
        PodStates.failure(pod).ifPresent(f -> b.append(", ").append(f));
        PodStates.unschedulable(pod).ifPresent(u -> b.append(", ").append(u));
        try {
            List<Event> events = client
                    .v1()
                    .events()
                    .inNamespace(o.namespace())
                    .withField("involvedObject.name", pod.getMetadata().getName())
                    .list()
                    .getItems()
                    .stream()
                    .filter(e -> e.getInvolvedObject() != null
                            && pod.getMetadata()
                                    .getName()
                                    .equals(e.getInvolvedObject().getName()))
                    .sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
                    .toList();
            if (!events.isEmpty()) {
                b.append("\n  events:");
                for (Event e : events) {
                    b.append("\n    ")
                            .append(e.getType())
                            .append(' ')
                            .append(e.getReason())
                            .append(": ")
                            .append(e.getMessage());
                }
            }
        } catch (KubernetesClientException e) {
            b.append("\n  (events unreadable: ").append(e.getCode()).append(')');
        }
        String log = log(client, o, pod.getMetadata().getName(), lines);
        b.append(
                log.isBlank()
                        ? "\n  its log is empty"
                        : "\n  last lines of its log:\n"
                                + log.stripTrailing().indent(4).stripTrailing());
        return b.toString();
    }

    private static String log(KubernetesClient client, KubernetesOptions o, String pod, int lines) {
        try {
            String log = client.pods()
                    .inNamespace(o.namespace())
                    .withName(pod)
                    .tailingLines(lines)
                    .getLog();
            return log == null ? "" : log;
        } catch (KubernetesClientException e) {
            return "";
        }
    }

    static ProvisionException apiError(String what, KubernetesClientException e) {
        String hint = e.getCode() == 403
                ? " (permission denied: 'jcloud iam-policy --provider kubernetes' shows the Role jcloud needs)"
                : "";
        return new ProvisionException(what + " failed: " + e.getCode() + " " + e.getMessage() + hint, e);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted", e);
        }
    }
}
