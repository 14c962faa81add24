package dev.jcloud.providers.gcp;

import static java.util.Objects.requireNonNull;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.Operation;
import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.elastic.PriceTable;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.net.SchedulerProbe;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import dev.jcloud.terraform.TerraformExport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters on Compute Engine virtual machines (provider name {@code gcp}), through the official
 * {@code google-cloud-compute} SDK.
 *
 * <p>{@link #bootstrap} creates, per cluster: two firewall rules on the VPC network aimed at the
 * cluster's network tags ({@link ClusterFirewall}), a service account with narrowly conditioned
 * roles ({@link ClusterServiceAccount}) and, with TLS, the machines' certificates and keys as
 * Secret Manager secrets only that account reads ({@link ClusterSecrets}), and unless an engine
 * URL is given, that account's read grant on the project's private engine bucket, to which the
 * scheduler's launch uploads this process's engine once per version ({@link EngineUploads}).
 * {@link #launch} starts all nodes of a request in one
 * {@code bulkInsert} (all or none; batches of {@value #MAX_PER_CALL}), each booted by the script
 * {@link BootScript} renders ({@link BootMetadata}); workers can be Spot VMs that are deleted on
 * preemption. On {@code ZONE_RESOURCE_POOL_EXHAUSTED} or quota errors it tries Spot in the other
 * allowed zones, then on-demand, then fails naming every refusal. {@link #nodes} lists instances
 * by label; {@link #terminate} and {@link #deleteSharedResources} delete through the API (a guest
 * shutdown only stops a GCE instance, and its disk keeps billing) and wait, with deadlines.
 * Every method works on a partially created cluster and may be called again.
 *
 * <p>Settings come from the cluster's options, see {@link GcpOptions}; labels and names from
 * {@link Labels} and {@link GceNames}. Credentials are Application Default Credentials; the
 * identity used is logged at bootstrap.
 */
public final class GcpProvider implements CloudProvider {

    /** The bundled prices of Compute Engine machine types ({@code prices.json} beside this class). */
    private static final PriceTable PRICES = PriceTable.load(GcpProvider.class, "prices.json");

    /**
     * Waits on the metadata server for the preemption notice of a Spot VM (about 30 s before it is
     * reclaimed) and writes {@link BootScript#INTERRUPTION_FILE}; the worker then retires
     * gracefully. Trusted code; {@code JCLOUD_GCE_METADATA} is a test seam.
     */
    static final BootStep PREEMPTION_WATCHER = BootStep.shell(String.join(
            "\n",
            "local md=\"${JCLOUD_GCE_METADATA:-http://metadata.google.internal}\" v",
            "while true; do",
            "  v=$(curl -fsS -H 'Metadata-Flavor: Google' \"$md/computeMetadata/v1/instance/preempted?wait_for_change=true&timeout_sec=60\")",
            "  if [ \"$v\" = TRUE ]; then",
            "    : > \"$JCLOUD_HOME/interrupted\"; jcloud_log \"preemption notice: retiring this worker\"; return 0",
            "  fi",
            "  [ -n \"$v\" ] || sleep 5",
            "done"));

    private static final Logger LOG = LoggerFactory.getLogger(GcpProvider.class);
    /** Machines per bulkInsert: keeps the names in the boot script small. */
    static final int MAX_PER_CALL = 100;
    /** How long a new service account may take to become usable for instances (IAM is eventually consistent). */
    private static final Duration ACCOUNT_PROPAGATION = Duration.ofMinutes(3);
    /** How often a followed log asks for new serial output. */
    static final Duration LOG_POLL = Duration.ofSeconds(1);
    /** Operation error codes that mean "no room here": try another zone or on-demand. */
    static final Set<String> CAPACITY_CODES =
            Set.of("ZONE_RESOURCE_POOL_EXHAUSTED", "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS", "QUOTA_EXCEEDED");

    /** Whether the engine answers on the scheduler VM (its dashboard's metrics). */
    private static final SchedulerProbe ENGINE = SchedulerProbe.metrics(ClusterFirewall.DASHBOARD_PORT);

    private final GcpClients.Factory factory;
    private final CallerAddress callerAddress;
    private final Function<ClusterContext, EngineBundle> engineBundles;
    private final Map<String, GcpClients> clients = new ConcurrentHashMap<>();

    /** The provider ServiceLoader finds: Application Default Credentials, Google's endpoints, address detection. */
    public GcpProvider() {
        this(GcpClients.defaults(), CallerAddress.detect(GcpOptions.ALLOW_FROM));
    }

    GcpProvider(GcpClients.Factory factory, CallerAddress callerAddress) {
        this(factory, callerAddress, cluster -> EngineBundle.forProvider(cluster, GcpProvider.class));
    }

    /** {@code engineBundles}: the engine to upload for a cluster's scheduler (tests give a small one). */
    GcpProvider(
            GcpClients.Factory factory,
            CallerAddress callerAddress,
            Function<ClusterContext, EngineBundle> engineBundles) {
        this.factory = requireNonNull(factory, "factory is null");
        this.callerAddress = requireNonNull(callerAddress, "callerAddress is null");
        this.engineBundles = requireNonNull(engineBundles, "engineBundles is null");
    }

    @Override
    public String name() {
        return "gcp";
    }

    @Override
    public String description() {
        return "Google Compute Engine: one VM per worker, in a project of yours.";
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(GcpSettings.SECTION);
    }

    @Override
    public String userTagPrefix() {
        return GcpOptions.LABEL_PREFIX;
    }

    /** Offers its Terraform export ({@link TerraformExport}). */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == TerraformExport.class ? Optional.of(type.cast(new GcpTerraformExport())) : Optional.empty();
    }

    /** Compute Engine bills per second after a 1 minute minimum. */
    @Override
    public BillingModel billing(Map<String, String> options) {
        return BillingModel.PER_SECOND_60S_MINIMUM;
    }

    @Override
    public Optional<PriceTable> priceTable() {
        return Optional.of(PRICES);
    }

    @Override
    public Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.of(new ClusterPricing.Machines(
                name(),
                GcpOptions.region(GcpSettings.ZONE.read(options)),
                GcpSettings.SCHEDULER_MACHINE_TYPE.read(options),
                GcpSettings.MACHINE_TYPE.read(options),
                GcpSettings.SPOT.read(options)));
    }

    /** Checks every option (and a given engine URL and checksum) without calling Google. */
    @Override
    public void validate(ClusterContext cluster) {
        givenEngine(GcpOptions.of(cluster));
    }

    @Override
    public List<dev.jcloud.provisioner.UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return GcpPlan.of(cluster, GcpOptions.of(cluster), workers);
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        run("creating the firewall rules and identity of cluster " + cluster.name(), () -> createShared(cluster));
    }

    private void createShared(ClusterContext cluster) {
        validate(cluster); // reject what launch would refuse before anything is created
        GcpOptions options = GcpOptions.of(cluster);
        List<String> allowFrom = options.allowFrom().isEmpty() ? List.of(callerAddress.cidr()) : options.allowFrom();
        GcpClients gcp = clients(options);
        LOG.info(
                "{}: using Google identity {} in project {}, zone {}",
                cluster.name(),
                gcp.identity(),
                options.project(),
                options.zone());
        long created = Instant.now().getEpochSecond();
        Instant deadline = Instant.now().plus(options.operationTimeout());
        new ClusterFirewall(gcp, options).ensure(cluster, allowFrom, created, deadline);
        String account = options.serviceAccount().isPresent()
                ? options.serviceAccount().get()
                : new ClusterServiceAccount(gcp, options.project()).ensure(cluster, created, deadline);
        if (ClusterTrust.enabled(cluster.options())) {
            new ClusterSecrets(gcp, options.project())
                    .ensure(cluster, Labels.of(cluster, options, gcp.creator()), account);
        }
        if (givenEngine(options).isEmpty()) {
            // The engine itself is uploaded when the scheduler is launched; machines read it as the account.
            EngineUploads uploads = new EngineUploads(gcp.storage(), options);
            uploads.ensureBucket();
            uploads.grantRead(cluster, account, created, deadline);
        }
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        return call(
                "launching " + request.role().label() + "s of cluster " + cluster.name(),
                () -> start(cluster, request));
    }

    private List<Node> start(ClusterContext cluster, LaunchRequest request) {
        GcpOptions options = GcpOptions.of(cluster);
        givenEngine(options);
        if (request.nodes().isEmpty()) {
            return List.of();
        }
        GcpClients gcp = clients(options);
        GceInstances instances = new GceInstances(gcp, options);
        List<Instance> alive = instances.find(cluster).stream()
                .filter(i -> GceInstances.ALIVE.contains(i.getStatus()))
                .toList();
        if (request.role() == NodeRole.WORKER) {
            long running = alive.stream()
                    .filter(i -> GceInstances.node(cluster, i).role() == NodeRole.WORKER)
                    .count();
            if (running + request.nodes().size() > options.maxWorkers()) {
                // The hard limit is enforced where machines are created, not only where scaling is decided.
                throw new ProvisionException("cluster " + cluster.name() + " would have "
                        + (running + request.nodes().size()) + " workers, more than its maximum of "
                        + options.maxWorkers() + " (" + GcpOptions.MAX_WORKERS + ")");
            }
        }
        Optional<Instance> scheduler = alive.stream()
                .filter(i -> GceInstances.node(cluster, i).role() == NodeRole.SCHEDULER)
                .findFirst();
        EngineArtifact engine = engineFor(cluster, options, gcp, request.role(), scheduler);
        // Workers go to the scheduler's zone first: traffic between zones is slower and billed.
        String preferredZone =
                scheduler.map(i -> Operations.lastSegment(i.getZone())).orElse(options.zone());
        Instant deadline = Instant.now().plus(options.operationTimeout());
        List<GceInstances.Ref> created = new ArrayList<>();
        List<Node> out = new ArrayList<>();
        try {
            List<LaunchRequest.NodeLaunch> all = request.nodes();
            for (int from = 0; from < all.size(); from += MAX_PER_CALL) {
                List<LaunchRequest.NodeLaunch> batch = all.subList(from, Math.min(all.size(), from + MAX_PER_CALL));
                out.addAll(launchBatch(
                        cluster,
                        options,
                        gcp,
                        request.role(),
                        batch,
                        engine,
                        scheduler,
                        preferredZone,
                        deadline,
                        created));
            }
        } catch (RuntimeException e) {
            // The caller learns only about nodes that are returned: what this call made must go with it.
            try {
                instances.delete(created, Instant.now().plus(options.operationTimeout()));
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return out;
    }

    private List<Node> launchBatch(
            ClusterContext cluster,
            GcpOptions options,
            GcpClients gcp,
            NodeRole role,
            List<LaunchRequest.NodeLaunch> batch,
            EngineArtifact engine,
            Optional<Instance> scheduler,
            String preferredZone,
            Instant deadline,
            List<GceInstances.Ref> created) {
        GceInstances instances = new GceInstances(gcp, options);
        List<String> nodeNames =
                batch.stream().map(LaunchRequest.NodeLaunch::name).toList();
        List<String> instanceNames =
                nodeNames.stream().map(n -> GceNames.instanceName(cluster, n)).toList();
        EngineCommand command = onMachine(batch.get(0).command(), scheduler, ClusterTrust.enabled(cluster.options()));
        boolean tls = ClusterTrust.enabled(cluster.options());
        String stem = role == NodeRole.SCHEDULER ? "scheduler" : "worker";
        if (tls) {
            // The key files are fetched at boot with the machine's service account; only their paths are rendered.
            command = command.with(TlsFiles.CERT_FLAG, BootScript.SECRETS + stem + ".pem")
                    .with(TlsFiles.KEY_FLAG, BootScript.SECRETS + stem + "-key.pem")
                    .with(TlsFiles.CA_FLAG, BootScript.SECRETS + "ca.pem")
                    .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
            if (role == NodeRole.SCHEDULER) {
                command = command.with(DashboardLogin.FLAG, BootScript.SECRETS + DashboardLogin.FILE);
            }
        }
        boolean spotWorker = role == NodeRole.WORKER && options.spot();
        if (spotWorker) {
            command = command.with("--interruption-file", BootScript.INTERRUPTION_FILE);
        }
        BootScript.Builder script = BootScript.builder(command, engine)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.id());
        if (givenEngine(options).isEmpty()) {
            script.engineDownloadHeader(EngineUploads.DOWNLOAD_HEADER); // private bucket: the machine's token
        }
        if (spotWorker) {
            script.watcher(PREEMPTION_WATCHER);
        }
        if (tls) {
            List<String> fetch = new ArrayList<>(List.of(options.project(), ClusterSecrets.prefix(cluster)));
            fetch.addAll(role == NodeRole.SCHEDULER ? ClusterSecrets.SCHEDULER_FILES : ClusterSecrets.WORKER_FILES);
            script.secrets(BootStep.engineMain(SecretFiles.class.getName(), fetch));
        }
        if (nodeNames.size() > 1) {
            script.nodeNames("--name", nodeNames, BootStep.shell(BootMetadata.launchIndexShell(instanceNames)));
        } else {
            script.env("JCLOUD_NODE", nodeNames.get(0));
        }
        String boot = script.build().render();
        if (boot.getBytes(StandardCharsets.UTF_8).length > BootMetadata.VALUE_LIMIT) {
            throw new ProvisionException("the boot script of " + nodeNames.get(0) + " is larger than GCE's 256 KB"
                    + " metadata value limit: use shorter names or options");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(BootMetadata.STARTUP_SCRIPT_KEY, BootMetadata.STARTUP_SCRIPT);
        metadata.put(BootMetadata.BOOT_SCRIPT_KEY, boot);
        metadata.put(BootMetadata.ENGINE_SHA256_KEY, engine.sha256());
        if (role == NodeRole.SCHEDULER) {
            // What another machine's discover rebuilds the cluster's options from.
            metadata.put(GceDiscovery.OPTIONS_KEY, GceDiscovery.recorded(cluster.options()));
        }
        Map<String, String> labels = new LinkedHashMap<>(Labels.of(cluster, options, gcp.creator()));
        labels.put(Labels.ROLE, role.label());
        if (nodeNames.size() == 1) {
            labels.put(Labels.NODE, nodeNames.get(0));
        }
        List<String> tags = role == NodeRole.SCHEDULER
                ? List.of(GceNames.nodeTag(cluster), GceNames.schedulerTag(cluster))
                : List.of(GceNames.nodeTag(cluster));
        String machineType = role == NodeRole.SCHEDULER ? options.schedulerMachineType() : options.machineType();
        String account =
                options.serviceAccount().orElseGet(() -> GceNames.serviceAccountEmail(cluster, options.project()));

        List<String> refusals = new ArrayList<>();
        String zoneUsed = null;
        for (Attempt attempt : attempts(options, role, preferredZone)) {
            GceInstances.Launch launch = new GceInstances.Launch(
                    attempt.zone(), instanceNames, machineType, attempt.spot(), labels, tags, metadata, account);
            List<GceInstances.Ref> refs = instanceNames.stream()
                    .map(n -> new GceInstances.Ref(attempt.zone(), n))
                    .toList();
            try {
                Operation op = insertWhenAccountIsVisible(
                        instances, launch, options.serviceAccount().isEmpty());
                created.addAll(refs); // from here on, a failure deletes them
                instances
                        .operations()
                        .await(
                                op,
                                deadline,
                                "creating " + describe(instanceNames.size(), role, attempt) + " in " + attempt.zone());
                zoneUsed = attempt.zone();
                break;
            } catch (Operations.OperationFailedException e) {
                if (e.codes().stream().noneMatch(CAPACITY_CODES::contains)) {
                    throw e;
                }
                refusals.add(attempt.zone() + (attempt.spot() ? " (spot)" : "") + ": " + e.getMessage());
                // bulkInsert with minCount = count creates all or none; make sure of "none" before moving on.
                instances.delete(refs, deadline);
                created.removeAll(refs);
            } catch (ApiException e) {
                if (!capacity(e)) {
                    throw new ProvisionException(
                            "creating " + describe(instanceNames.size(), role, attempt) + " in " + attempt.zone()
                                    + " failed: " + Operations.detail(e),
                            e);
                }
                refusals.add(attempt.zone() + (attempt.spot() ? " (spot)" : "") + ": " + Operations.detail(e));
            }
            LOG.warn(
                    "{}: {} refused in {}: {}",
                    cluster.name(),
                    describe(instanceNames.size(), role, attempt),
                    attempt.zone(),
                    refusals.get(refusals.size() - 1));
        }
        if (zoneUsed == null) {
            throw new ProvisionException("no zone had room for " + instanceNames.size() + " " + role.label()
                    + " instance(s) of type " + machineType + " (" + String.join("; ", refusals)
                    + "): allow more zones of"
                    + " region " + options.region() + " with " + GcpOptions.ZONES + ", choose another "
                    + (role == NodeRole.SCHEDULER ? GcpOptions.SCHEDULER_MACHINE_TYPE : GcpOptions.MACHINE_TYPE)
                    + ", raise the quota, or try again later");
        }
        String zone = zoneUsed;
        if (nodeNames.size() > 1) {
            // One bulkInsert shares its labels; each worker's node label follows its name, as its boot script's does.
            Map<GceInstances.Ref, Map<String, String>> nodeLabels = new LinkedHashMap<>();
            for (int i = 0; i < nodeNames.size(); i++) {
                nodeLabels.put(new GceInstances.Ref(zone, instanceNames.get(i)), Map.of(Labels.NODE, nodeNames.get(i)));
            }
            instances.addLabels(nodeLabels, deadline);
        }
        LOG.info(
                "{}: launched {} {} instance(s) in {}: {}",
                cluster.name(),
                instanceNames.size(),
                role.label(),
                zone,
                instanceNames);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < nodeNames.size(); i++) {
            nodes.add(new Node(new GceInstances.Ref(zone, instanceNames.get(i)).id(), nodeNames.get(i), role));
        }
        return nodes;
    }

    /** Where and how to try: the preferred zone first; for Spot workers Spot in every zone, then on-demand. */
    record Attempt(String zone, boolean spot) {}

    static List<Attempt> attempts(GcpOptions options, NodeRole role, String preferredZone) {
        Set<String> zones = new LinkedHashSet<>();
        zones.add(preferredZone);
        zones.addAll(options.zones());
        List<Attempt> out = new ArrayList<>();
        boolean spot = role == NodeRole.WORKER && options.spot();
        if (spot) {
            zones.forEach(z -> out.add(new Attempt(z, true)));
        }
        zones.forEach(z -> out.add(new Attempt(z, false)));
        return out;
    }

    private static String describe(int count, NodeRole role, Attempt attempt) {
        return count + " " + (attempt.spot() ? "spot " : "") + role.label() + " instance(s)";
    }

    /** A refusal at request time (a quota checked before the operation starts). */
    private static boolean capacity(ApiException e) {
        String m = Operations.detail(e);
        return CAPACITY_CODES.stream().anyMatch(m::contains) || m.contains("quotaExceeded");
    }

    /**
     * Whether Compute Engine's refusal of an instance create is about the service account it names:
     * the documented answer, while a new account propagates, is 400 on the field
     * {@code serviceAccounts[0].email} ("... The user does not have access to service account ...")
     * and sometimes "Service account EMAIL does not exist"; both name the account.
     */
    static boolean accountNotVisible(String detail, String email) {
        return detail.contains(email) && (detail.contains("serviceAccounts[") || detail.contains("does not exist"));
    }

    /**
     * The bulkInsert, again while GCE does not know a just-created service account yet (IAM is
     * eventually consistent) until {@link #ACCOUNT_PROPAGATION} has passed.
     */
    private static Operation insertWhenAccountIsVisible(
            GceInstances instances, GceInstances.Launch launch, boolean newAccount) {
        Instant until = Instant.now().plus(ACCOUNT_PROPAGATION);
        long pause = 1000;
        while (true) {
            try {
                return instances.bulkInsert(launch);
            } catch (InvalidArgumentException e) {
                boolean accountUnknown = accountNotVisible(Operations.detail(e), launch.serviceAccount());
                if (!newAccount || !accountUnknown || !Instant.now().isBefore(until)) {
                    throw e;
                }
                LOG.debug("service account {} not visible to Compute Engine yet; retrying", launch.serviceAccount());
                sleep(pause, "waiting for the cluster's service account");
                pause = Math.min(pause * 2, 10_000);
            }
        }
    }

    /**
     * The engine command as it runs on the machine: listening on all interfaces on the ports the
     * firewall opens, and for workers pointed at the scheduler's private address (inside the VPC,
     * where the internal rule allows all traffic between the cluster's machines).
     */
    private static EngineCommand onMachine(EngineCommand command, Optional<Instance> scheduler, boolean tls) {
        if (command.role() == NodeRole.SCHEDULER) {
            return command.onAllInterfaces(tls)
                    .with("--port", Integer.toString(ClusterFirewall.SCHEDULER_PORT))
                    .with("--dashboard-port", Integer.toString(ClusterFirewall.DASHBOARD_PORT));
        }
        Optional<String> privateAddress =
                scheduler.flatMap(GcpProvider::privateIp).map(ip -> ip + ":" + ClusterFirewall.SCHEDULER_PORT);
        List<String> args = command.arguments();
        EngineCommand rebuilt = EngineCommand.worker(privateAddress.orElse(args.get(1)));
        for (int i = 2; i + 1 < args.size(); i += 2) {
            rebuilt = rebuilt.with(args.get(i), args.get(i + 1));
        }
        return rebuilt.onAllInterfaces(tls);
    }

    private static Optional<String> privateIp(Instance i) {
        return i.getNetworkInterfacesList().stream()
                .map(NetworkInterface::getNetworkIP)
                .filter(ip -> !ip.isEmpty())
                .findFirst();
    }

    private static Optional<String> publicIp(Instance i) {
        return i.getNetworkInterfacesList().stream()
                .flatMap(n -> n.getAccessConfigsList().stream())
                .map(AccessConfig::getNatIP)
                .filter(ip -> !ip.isEmpty())
                .findFirst();
    }

    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        return call("reading the scheduler's address", () -> privateAddress(cluster, scheduler));
    }

    private Optional<String> privateAddress(ClusterContext cluster, Node scheduler) {
        GcpOptions options = GcpOptions.of(cluster);
        return GceInstances.Ref.parse(scheduler.id())
                .flatMap(new GceInstances(clients(options), options)::get)
                .flatMap(GcpProvider::privateIp)
                .map(ip -> ip + ":" + ClusterFirewall.SCHEDULER_PORT);
    }

    /**
     * Waits until the scheduler's engine answers on its public address (private when it has none),
     * checked through its dashboard's metrics. Fails early when the instance is gone or stopping,
     * and at the deadline, with the tail of its serial console.
     */
    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        return call(
                "waiting for the scheduler of cluster " + cluster.name(),
                () -> awaitEngine(cluster, scheduler, deadline));
    }

    private SchedulerEndpoint awaitEngine(ClusterContext cluster, Node scheduler, Instant deadline) {
        GcpOptions options = GcpOptions.of(cluster);
        GceInstances instances = new GceInstances(clients(options), options);
        GceInstances.Ref ref = GceInstances.Ref.parse(scheduler.id())
                .orElseThrow(
                        () -> new ProvisionException("'" + scheduler.id() + "' is not a GCE node id (zone/instance)"));
        while (true) {
            Instance i = instances.get(ref).orElse(null);
            if (i == null || !GceInstances.ALIVE.contains(i.getStatus())) {
                throw new ProvisionException("the scheduler instance " + ref.id() + " is "
                        + (i == null ? "gone" : i.getStatus()) + serialOf(instances, ref));
            }
            String host = publicIp(i).or(() -> privateIp(i)).orElse(null);
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException(
                        "the scheduler " + scheduler.name() + " (" + ref.id() + ") did not listen on " + host + ":"
                                + ClusterFirewall.SCHEDULER_PORT + " in time" + serialOf(instances, ref));
            }
            if (host != null && ENGINE.answers(host)) {
                return new SchedulerEndpoint(
                        host + ":" + ClusterFirewall.SCHEDULER_PORT, host + ":" + ClusterFirewall.DASHBOARD_PORT);
            }
            sleep(
                    Math.min(
                            2000,
                            Math.max(
                                    1, Duration.between(Instant.now(), deadline).toMillis())),
                    "waiting for the scheduler");
        }
    }

    private static String serialOf(GceInstances instances, GceInstances.Ref ref) {
        String tail = instances.serialTail(ref, 30);
        return tail.isBlank()
                ? "; its serial port output is empty"
                : "; last lines of its serial port output:\n" + tail.indent(2).stripTrailing();
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        return call("listing the instances of cluster " + cluster.name(), () -> listNodes(cluster));
    }

    private List<Node> listNodes(ClusterContext cluster) {
        GcpOptions options = GcpOptions.of(cluster);
        return new GceInstances(clients(options), options)
                .find(cluster).stream()
                        .filter(i -> GceInstances.ALIVE.contains(i.getStatus()))
                        .map(i -> GceInstances.node(cluster, i))
                        .toList();
    }

    /** Deletes those of {@code nodes} that belong to the cluster (never anything else) and waits. */
    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        run("deleting instances of cluster " + cluster.name(), () -> delete(cluster, nodes));
    }

    private void delete(ClusterContext cluster, Collection<Node> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        GcpOptions options = GcpOptions.of(cluster);
        GceInstances instances = new GceInstances(clients(options), options);
        Set<String> ours = instances.find(cluster).stream()
                .map(i -> GceInstances.Ref.of(i).id())
                .collect(Collectors.toSet());
        List<GceInstances.Ref> refs = nodes.stream()
                .map(Node::id)
                .filter(ours::contains)
                .distinct()
                .map(id -> GceInstances.Ref.parse(id).orElseThrow())
                .toList();
        instances.delete(refs, Instant.now().plus(options.operationTimeout()));
    }

    /**
     * Deletes every instance of the cluster still there (in any status) and waits, then boot disks
     * left without an instance, the firewall rules, the TLS secrets, and the service account with
     * its grants (not one given with {@code gcp.service-account}). Safe on partial clusters and when called again.
     */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        run("deleting what is left of cluster " + cluster.name(), () -> deleteAll(cluster));
    }

    private void deleteAll(ClusterContext cluster) {
        GcpOptions options = GcpOptions.of(cluster);
        GcpClients gcp = clients(options);
        Instant deadline = Instant.now().plus(options.operationTimeout());
        GceInstances instances = new GceInstances(gcp, options);
        instances.delete(
                instances.find(cluster).stream().map(GceInstances.Ref::of).toList(), deadline);
        instances.deleteDisks(instances.orphanDisks(Labels.clusterFilter(cluster)), deadline);
        new ClusterFirewall(gcp, options).delete(cluster, deadline);
        new ClusterSecrets(gcp, options.project()).delete(cluster);
        if (givenEngine(options).isEmpty()) {
            // Before the account: a deleted account's grant would linger as "deleted:serviceAccount:...".
            new EngineUploads(gcp.storage(), options).revokeRead(cluster, deadline);
        }
        if (options.serviceAccount().isEmpty()) {
            new ClusterServiceAccount(gcp, options.project()).delete(cluster, deadline);
        }
    }

    /**
     * Idle teardown from inside the cluster, with the scheduler machine's own service account:
     * deletes the workers (and waits), then the firewall rules and TLS secrets. The scheduler's instance deletes
     * itself once its engine has exited ({@link BootMetadata}). The service account and its grants
     * (also its read grant on the engine bucket, see {@link EngineUploads}) stay: removing them needs
     * project IAM rights no cluster machine gets; they cost nothing, and
     * {@code jcloud cluster down} or {@code gc} removes them.
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        run("removing cluster " + cluster.name() + " from its scheduler", () -> {
            GcpOptions options = GcpOptions.of(cluster);
            GcpClients gcp = clients(options);
            Instant deadline = Instant.now().plus(options.operationTimeout());
            GceInstances instances = new GceInstances(gcp, options);
            instances.delete(
                    instances.find(cluster).stream()
                            .filter(i -> GceInstances.node(cluster, i).role() == NodeRole.WORKER)
                            .map(GceInstances.Ref::of)
                            .toList(),
                    deadline);
            new ClusterFirewall(gcp, options).delete(cluster, deadline);
            new ClusterSecrets(gcp, options.project()).delete(cluster);
        });
    }

    /**
     * The node's serial console (its boot script's and engine's output). With {@code follow} the
     * stream keeps reading new output, from where the last read ended, until the instance is gone.
     */
    @Override
    public java.util.stream.Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        GcpOptions options = GcpOptions.of(cluster);
        GceInstances.Ref ref = GceInstances.Ref.parse(node.id())
                .orElseThrow(
                        () -> new IllegalArgumentException("'" + node.id() + "' is not a GCE node id (zone/instance)"));
        return new SerialLog(new GceInstances(clients(options), options), ref, follow, LOG_POLL).lines();
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        GcpOptions options = GcpOptions.of(cluster);
        return GceInstances.Ref.parse(node.id())
                .map(r -> new GceInstances(clients(options), options).serialTail(r, lines))
                .orElse("");
    }

    /**
     * The clusters with a live scheduler instance in the project that {@code options} name
     * ({@code gcp.project}, optionally {@code gcp.endpoint}), found by their labels, each with the
     * options its scheduler recorded at launch, its zone and its service account
     * ({@link GceDiscovery}): what {@code cluster list/down --provider gcp} use on a machine that
     * did not create the cluster.
     */
    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        GcpOptions o = GcpOptions.of(new ClusterContext("discover", "discover", java.nio.file.Path.of("."), options));
        return call(
                "finding the clusters of project " + o.project(), () -> new GceDiscovery(clients(o), o).find(options));
    }

    /**
     * Finds what jcloud left in the project given by {@code options} ({@code gcp.project},
     * optionally {@code gcp.endpoint}): resources of clusters that have no live scheduler, older
     * than {@code minAge} (a cluster being created has firewall rules before its scheduler), and
     * unless {@code dryRun} deletes them cluster by cluster with {@link #deleteSharedResources}.
     */
    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        return new GceGarbageCollector(this).collect(options, dryRun, minAge);
    }

    GcpClients clients(GcpOptions options) {
        return clients.computeIfAbsent(
                options.endpoint().map(Object::toString).orElse(""), k -> factory.create(options.endpoint()));
    }

    /** The engine the user gave ({@link GcpOptions#ENGINE_URL} + {@link GcpOptions#ENGINE_SHA256}), checked; else empty. */
    private static Optional<EngineArtifact> givenEngine(GcpOptions options) {
        if (options.engineUrl().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(EngineArtifact.of(
                    options.engineUrl().get(), options.engineSha256().orElseThrow()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "invalid " + GcpOptions.ENGINE_URL + "/" + GcpOptions.ENGINE_SHA256 + ": " + e.getMessage(), e);
        }
    }

    /**
     * The engine the nodes download: the one the user gave, else for the scheduler this process's
     * own engine, uploaded to the engine bucket; for workers the scheduler's engine (its
     * {@link BootMetadata#ENGINE_SHA256_KEY}), so every node of a cluster runs the same version.
     */
    private EngineArtifact engineFor(
            ClusterContext cluster, GcpOptions options, GcpClients gcp, NodeRole role, Optional<Instance> scheduler) {
        Optional<EngineArtifact> given = givenEngine(options);
        if (given.isPresent()) {
            return given.get();
        }
        EngineUploads uploads = new EngineUploads(gcp.storage(), options);
        if (role == NodeRole.SCHEDULER) {
            EngineArtifact published = uploads.publish(engineBundles.apply(cluster));
            sweepUnusedEngines(gcp, options, uploads, published.sha256());
            return published;
        }
        String sha = scheduler
                .flatMap(i -> i.getMetadata().getItemsList().stream()
                        .filter(item -> item.getKey().equals(BootMetadata.ENGINE_SHA256_KEY))
                        .map(Items::getValue)
                        .findFirst())
                .orElseThrow(() -> new ProvisionException(
                        "cluster " + cluster.name() + " has no running scheduler to take the engine version from"));
        return uploads.existing(sha);
    }

    /**
     * Removes the engine versions no instance of the project carries in its metadata (any status:
     * a stopped machine may start again), by the shared {@link dev.jcloud.provisioner.boot.EngineCachePolicy}.
     * Only housekeeping: a failure is logged, never fails the {@code up}, and the next one tries again.
     */
    private static void sweepUnusedEngines(GcpClients gcp, GcpOptions options, EngineUploads uploads, String current) {
        uploads.sweep(
                () -> {
                    java.util.Set<String> inUse = new java.util.HashSet<>();
                    for (Instance i : new GceInstances(gcp, options).find(Labels.anyClusterFilter())) {
                        i.getMetadata().getItemsList().stream()
                                .filter(item -> item.getKey().equals(BootMetadata.ENGINE_SHA256_KEY))
                                .map(Items::getValue)
                                .forEach(inUse::add);
                    }
                    return inUse;
                },
                current);
    }

    /**
     * Runs an SPI method so that a refused API call surfaces as a {@link ProvisionException} with
     * what was being done and the API's own message (the SDK's says only "Bad Request").
     */
    private static <T> T call(String what, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (ApiException e) {
            ApiDisabledException disabled = Operations.disabledApi(e);
            if (disabled != null) {
                throw disabled;
            }
            throw new ProvisionException(what + " failed: " + Operations.detail(e), e);
        }
    }

    private static void run(String what, Runnable body) {
        call(what, () -> {
            body.run();
            return null;
        });
    }

    private static void sleep(long millis, String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while " + what, e);
        }
    }
}
