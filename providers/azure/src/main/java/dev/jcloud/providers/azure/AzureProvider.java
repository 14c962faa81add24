package dev.jcloud.providers.azure;

import static java.util.Objects.requireNonNull;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters on Azure virtual machines (provider name {@code azure}).
 *
 * <p>Everything a cluster has lives in one resource group, {@code jcloud-<name>-<id>}, tagged like
 * every resource in it ({@link AzureTags}); deleting the group is the teardown and cannot leave an
 * orphan. {@link #bootstrap} creates the group, the network placement ({@link ClusterNetwork}), the
 * network security group ({@link ClusterFirewall}), the controller's managed identity
 * ({@link ControllerIdentity}) and, with TLS (the default), the workers' identity
 * ({@link WorkerIdentity}) and the Key Vaults that hand each role its TLS files at boot
 * ({@link ClusterVaults}, {@link KeyVaultFiles}); {@link #launch} creates one VM per node, each
 * booted by the custom data that {@link BootScript} renders, Spot workers falling back to on demand when Azure refuses
 * capacity ({@link ClusterVms}); {@link #nodes} lists the group's VMs by tag; {@link #terminate}
 * deletes VMs with their NICs and disks through the API (a guest shutdown would leave a stopped,
 * still-billed VM); {@link #deleteSharedResources} deletes the group and purges its soft-deleted
 * vaults. Without {@code azure.engine-url} the engine goes through the subscription's engine cache
 * ({@link EngineUploads}). Every long-running operation is waited on with a deadline ({@link Lro}).
 *
 * <p>Settings come from the cluster's options, see {@link AzureOptions}. Credentials come from
 * azure-identity's {@code DefaultAzureCredential} (environment, workload identity, managed identity,
 * Azure CLI...); the identity used is logged at bootstrap and written into the {@code jcloud.creator}
 * tag.
 */
public final class AzureProvider implements CloudProvider {

    /** The bundled prices of Azure VM sizes ({@code prices.json} beside this class). */
    private static final PriceTable PRICES = PriceTable.load(AzureProvider.class, "prices.json");

    /**
     * Polls Azure's Scheduled Events for the eviction ({@code Preempt}) of a Spot VM (at least 30 s
     * ahead) and writes {@link BootScript#INTERRUPTION_FILE}; the worker then retires gracefully.
     * Trusted code; {@code JCLOUD_IMDS} is a test seam.
     */
    static final BootStep EVICTION_WATCHER = BootStep.shell(String.join(
            "\n",
            "local imds=\"${JCLOUD_IMDS:-http://169.254.169.254}\" ev",
            "while true; do",
            "  ev=$(curl -fsS -H 'Metadata: true' \"$imds/metadata/scheduledevents?api-version=2020-07-01\")",
            "  case \"$ev\" in *'\"EventType\":\"Preempt\"'*)",
            "    : > \"$JCLOUD_HOME/interrupted\"; jcloud_log \"spot eviction notice: retiring this worker\"; return 0;;",
            "  esac",
            "  sleep 5",
            "done"));

    private static final Logger LOG = LoggerFactory.getLogger(AzureProvider.class);
    /** Creating a VM takes a minute or two; resource creation fails after this long. */
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(15);

    private final AzureClients.Factory factory;
    private final CallerAddress callerAddress;
    private final SchedulerProbe probe;
    private final Function<ClusterContext, EngineBundle> engineBundles;
    private final Map<String, AzureClients> clients = new ConcurrentHashMap<>();

    /** The provider ServiceLoader finds: DefaultAzureCredential, Azure's public cloud, address detection. */
    public AzureProvider() {
        this(
                AzureClients.defaults(),
                CallerAddress.detect(AzureOptions.ALLOW_FROM),
                SchedulerProbe.metrics(AzureNames.DASHBOARD_PORT));
    }

    AzureProvider(AzureClients.Factory factory, CallerAddress callerAddress, SchedulerProbe probe) {
        this(factory, callerAddress, probe, cluster -> EngineBundle.forProvider(cluster, AzureProvider.class));
    }

    AzureProvider(
            AzureClients.Factory factory,
            CallerAddress callerAddress,
            SchedulerProbe probe,
            Function<ClusterContext, EngineBundle> engineBundles) {
        this.factory = requireNonNull(factory, "factory is null");
        this.callerAddress = requireNonNull(callerAddress, "callerAddress is null");
        this.probe = requireNonNull(probe, "probe is null");
        this.engineBundles = requireNonNull(engineBundles, "engineBundles is null");
    }

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public String description() {
        return "Azure VMs: one VM per worker, in a subscription of yours.";
    }

    /** The options and the engine's source, checked without calling Azure. */
    @Override
    public void validate(ClusterContext cluster) {
        engineArtifact(AzureOptions.of(cluster));
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(AzureSettings.SECTION);
    }

    @Override
    public String userTagPrefix() {
        return AzureOptions.TAG_PREFIX;
    }

    /** Offers its Terraform export ({@link TerraformExport}). */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == TerraformExport.class ? Optional.of(type.cast(new AzureTerraformExport())) : Optional.empty();
    }

    /** Azure bills VMs per second; the minimum per start is a setting ({@code azure.billing-minimum}). */
    @Override
    public BillingModel billing(Map<String, String> options) {
        return new BillingModel(AzureSettings.BILLING_MINIMUM.read(options).toSeconds());
    }

    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(90);
    }

    @Override
    public Optional<PriceTable> priceTable() {
        return Optional.of(PRICES);
    }

    @Override
    public Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.of(new ClusterPricing.Machines(
                name(),
                AzureSettings.LOCATION.read(options),
                AzureSettings.SCHEDULER_VM_SIZE.read(options),
                AzureSettings.VM_SIZE.read(options),
                AzureSettings.SPOT.read(options)));
    }

    @Override
    public List<dev.jcloud.provisioner.UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return AzurePlan.of(cluster, AzureOptions.of(cluster), workers);
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        AzureOptions options = AzureOptions.of(cluster);
        engineArtifact(options); // reject what launch would refuse before anything is created
        boolean tls = ClusterTrust.enabled(cluster.options());
        if (tls) {
            ClusterVaults.vaultName(cluster, NodeRole.SCHEDULER); // a cluster id Key Vault refuses fails here, first
        }
        List<String> allowFrom = options.allowFrom().isEmpty() ? List.of(callerAddress.cidr()) : options.allowFrom();
        AzureClients azure = clients(options);
        LOG.info(
                "{}: using Azure identity {}, subscription {}, location {}",
                cluster.name(),
                azure.caller(),
                options.subscription(),
                options.location());
        Instant deadline = Instant.now().plus(CREATE_TIMEOUT);
        ClusterNetwork network = new ClusterNetwork(azure);
        if (options.existingSubnetId().isPresent()) {
            network.ensure(cluster, options, Map.of(), deadline); // checks the given subnet before creating anything
        }
        Map<String, String> tags = AzureTags.of(cluster, options, azure.caller().display());
        new ClusterResourceGroup(azure)
                .ensure(
                        cluster,
                        options.location(),
                        AzureTags.forGroup(cluster, options, azure.caller().display()));
        if (options.existingSubnetId().isEmpty()) {
            network.ensure(cluster, options, tags, deadline);
        }
        new ClusterFirewall(azure).ensure(cluster, options, allowFrom, tags, deadline);
        new ControllerIdentity(azure).ensure(cluster, options, tags);
        boolean uploadEngine = engineArtifact(options).isEmpty();
        String controller = !tls && !uploadEngine
                ? null
                : azure.msi()
                        .getUserAssignedIdentities()
                        .getByResourceGroup(AzureNames.group(cluster), AzureNames.CONTROLLER_IDENTITY)
                        .principalId()
                        .toString();
        if (uploadEngine) {
            new EngineUploads(azure, options).grantController(cluster, controller);
        }
        if (tls) {
            String workers = new WorkerIdentity(azure)
                    .ensure(cluster, options, tags)
                    .principalId()
                    .toString();
            new ClusterVaults(azure)
                    .ensure(cluster, options, tags, Map.of(NodeRole.SCHEDULER, controller, NodeRole.WORKER, workers));
        }
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        AzureOptions options = AzureOptions.of(cluster);
        Optional<EngineArtifact> givenEngine = engineArtifact(options);
        if (request.nodes().isEmpty()) {
            return List.of();
        }
        AzureClients azure = clients(options);
        ClusterVms vms = new ClusterVms(azure);
        String group = AzureNames.group(cluster);
        if (request.role() == NodeRole.WORKER) {
            long running = vms.find(cluster).stream()
                    .filter(ClusterVms::alive)
                    .filter(vm -> ClusterVms.node(vm).role() == NodeRole.WORKER)
                    .count();
            if (running + request.nodes().size() > options.maxWorkers()) {
                // The hard limit is enforced where machines are created, not only where scaling is decided.
                throw new ProvisionException("cluster " + cluster.name() + " would have "
                        + (running + request.nodes().size()) + " workers, more than its maximum of "
                        + options.maxWorkers() + " (" + AzureOptions.MAX_WORKERS + ")");
            }
        } else if (new ClusterResourceGroup(azure).find(cluster) == null) {
            throw new ProvisionException("the resource group of cluster " + cluster.name() + " is missing: run"
                    + " 'jcloud cluster up' again");
        }
        String schedulerAddress = request.role() == NodeRole.WORKER
                ? vms.privateAddress(group, ClusterNames.scheduler(cluster.name()))
                : null;
        EngineArtifact engine = givenEngine.orElseGet(() -> uploadedEngine(cluster, options, azure, request.role()));
        String controllerClientId =
                request.role() == NodeRole.SCHEDULER ? new ControllerIdentity(azure).clientId(cluster) : null;
        boolean tls = ClusterTrust.enabled(cluster.options());
        // With TLS the machines read their files from their role's vault with their own identity at boot;
        // workers then carry the workers' identity, which may read that vault and nothing else.
        String fetcherClientId = !tls
                ? null
                : request.role() == NodeRole.SCHEDULER
                        ? controllerClientId
                        : new WorkerIdentity(azure).clientId(cluster);
        String vaultUrl = tls ? new ClusterVaults(azure).vaultUrl(cluster, request.role()) : null;
        List<String> secretFiles = tls ? ClusterVaults.files(cluster, request.role()) : List.of();
        List<ClusterVms.NodeSpec> specs = new ArrayList<>();
        for (LaunchRequest.NodeLaunch n : request.nodes()) {
            EngineCommand command = onMachine(n.command(), schedulerAddress, ClusterTrust.enabled(cluster.options()));
            if (tls) {
                command = withTlsFiles(command, cluster, secretFiles);
            }
            boolean spotWorker = request.role() == NodeRole.WORKER && options.spot();
            if (spotWorker) {
                command = command.with("--interruption-file", BootScript.INTERRUPTION_FILE);
            }
            BootScript.Builder script = BootScript.builder(command, engine)
                    .env("JCLOUD_CLUSTER", cluster.name())
                    .env("JCLOUD_CLUSTER_ID", cluster.id())
                    .env("JCLOUD_NODE", n.name());
            if (spotWorker) {
                script.watcher(EVICTION_WATCHER);
            }
            if (controllerClientId != null) {
                // Which managed identity the in-cluster controller's DefaultAzureCredential takes.
                script.env("AZURE_CLIENT_ID", controllerClientId);
            }
            if (tls) {
                List<String> fetch = new ArrayList<>(List.of(fetcherClientId, vaultUrl));
                fetch.addAll(secretFiles);
                script.secrets(BootStep.engineMain(KeyVaultFiles.class.getName(), fetch));
            }
            boolean scheduler = request.role() == NodeRole.SCHEDULER;
            specs.add(new ClusterVms.NodeSpec(
                    n.name(),
                    request.role(),
                    scheduler ? options.schedulerVmSize() : options.vmSize(),
                    !scheduler && options.spot(),
                    scheduler && options.publicIp(),
                    script.build().render(),
                    scheduler
                            ? ControllerIdentity.id(options, cluster)
                            : tls ? WorkerIdentity.id(options, cluster) : null));
        }
        Map<String, String> tags = new LinkedHashMap<>(
                AzureTags.of(cluster, options, azure.caller().display()));
        if (request.role() == NodeRole.SCHEDULER) {
            tags.put(EngineUploads.ENGINE_TAG, engine.sha256()); // workers started later take this version
            // What another machine's discover rebuilds the cluster's options from.
            Optional<String> recorded = AzureDiscovery.recorded(cluster.options());
            if (recorded.isPresent()) {
                tags.put(AzureDiscovery.OPTIONS_TAG, recorded.get());
            } else {
                LOG.warn(
                        "{}: the cluster's options do not fit in one Azure tag value ({} characters): another"
                                + " machine that finds it scales it with its own azure.* options",
                        cluster.name(),
                        AzureDiscovery.TAG_VALUE_LIMIT);
            }
        }
        ClusterVms.Placement placement = new ClusterVms.Placement(
                options.subscription(),
                group,
                options.location(),
                ClusterNetwork.subnetId(options, cluster),
                ClusterFirewall.nsgId(options, cluster),
                ClusterFirewall.membersId(options, cluster),
                options.image(),
                options.osDiskGiB(),
                AdminKey.publicKey(),
                tags);
        List<VirtualMachineInner> created =
                vms.create(cluster, placement, specs, Instant.now().plus(CREATE_TIMEOUT));
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            nodes.add(new Node(created.get(i).id(), specs.get(i).name(), request.role()));
        }
        LOG.info(
                "{}: created {} {} VM(s) {}",
                cluster.name(),
                nodes.size(),
                request.role().label(),
                nodes.stream().map(Node::name).toList());
        return nodes;
    }

    /**
     * The engine command as it runs on the VM: listening on all interfaces on the ports the NSG
     * opens, and for workers pointed at the scheduler's private address (traffic inside the
     * virtual network, which the public address would not keep).
     */
    private static EngineCommand onMachine(EngineCommand command, String schedulerPrivateAddress, boolean tls) {
        if (command.role() == NodeRole.SCHEDULER) {
            return command.onAllInterfaces(tls)
                    .with("--port", Integer.toString(AzureNames.SCHEDULER_PORT))
                    .with("--dashboard-port", Integer.toString(AzureNames.DASHBOARD_PORT));
        }
        List<String> args = command.arguments();
        String address = schedulerPrivateAddress != null
                ? schedulerPrivateAddress + ":" + AzureNames.SCHEDULER_PORT
                : args.get(1);
        EngineCommand rebuilt = EngineCommand.worker(address);
        for (int i = 2; i + 1 < args.size(); i += 2) {
            rebuilt = rebuilt.with(args.get(i), args.get(i + 1));
        }
        return rebuilt.onAllInterfaces(tls);
    }

    /**
     * The engine's TLS flags, naming the files the boot script fetches into {@link BootScript#SECRETS}
     * (only paths are rendered, never contents), and for the scheduler its dashboard token when the
     * cluster has one.
     */
    private static EngineCommand withTlsFiles(EngineCommand command, ClusterContext cluster, List<String> files) {
        String stem = command.role() == NodeRole.SCHEDULER ? "scheduler" : "worker";
        EngineCommand out = command.with(TlsFiles.CERT_FLAG, BootScript.SECRETS + stem + ".pem")
                .with(TlsFiles.KEY_FLAG, BootScript.SECRETS + stem + "-key.pem")
                .with(TlsFiles.CA_FLAG, BootScript.SECRETS + "ca.pem")
                .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
        if (files.contains(ClusterVaults.DASHBOARD_TOKEN)) {
            out = out.with(DashboardLogin.FLAG, BootScript.SECRETS + ClusterVaults.DASHBOARD_TOKEN);
        }
        return out;
    }

    /** The scheduler's private address: Azure assigns it when the NIC is created, before the VM boots. */
    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        AzureClients azure = clients(AzureOptions.of(cluster));
        return Optional.ofNullable(new ClusterVms(azure).privateAddress(AzureNames.group(cluster), scheduler.name()))
                .map(ip -> ip + ":" + AzureNames.SCHEDULER_PORT);
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        AzureOptions options = AzureOptions.of(cluster);
        AzureClients azure = clients(options);
        ClusterVms vms = new ClusterVms(azure);
        String group = AzureNames.group(cluster);
        while (true) {
            VirtualMachineInner vm = vms.get(group, scheduler.name());
            if (vm == null) {
                throw new ProvisionException("the scheduler VM " + scheduler.name() + " of cluster " + cluster.name()
                        + " is gone (deleted, or evicted)");
            }
            String state = String.valueOf(vm.provisioningState());
            String power = ClusterVms.powerState(vm);
            if (state.equalsIgnoreCase("Failed") || "stopped".equals(power) || "deallocated".equals(power)) {
                throw new ProvisionException(
                        "the scheduler VM " + scheduler.name() + " is " + (power != null ? power : "in state " + state)
                                + " instead of running" + serialLog(vms, group, scheduler));
            }
            String host = options.publicIp()
                    ? vms.publicAddress(group, scheduler.name())
                    : vms.privateAddress(group, scheduler.name());
            if (host != null && probe.answers(host)) {
                return new SchedulerEndpoint(
                        host + ":" + AzureNames.SCHEDULER_PORT, host + ":" + AzureNames.DASHBOARD_PORT);
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("the scheduler " + scheduler.name() + " did not answer on " + host + ":"
                        + AzureNames.DASHBOARD_PORT + " in time" + serialLog(vms, group, scheduler));
            }
            long pause = Math.min(
                    azure.pollInterval().toMillis(),
                    Duration.between(Instant.now(), deadline).toMillis());
            try {
                Thread.sleep(Math.max(1, pause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted while waiting for the scheduler", e);
            }
        }
    }

    private static String serialLog(ClusterVms vms, String group, Node node) {
        String tail = vms.serialLogTail(group, node.name(), 30);
        return tail.isBlank()
                ? "; its serial console log is empty so far (boot diagnostics publish it while the VM boots)"
                : "; last lines of its serial console log:\n" + tail.indent(2).stripTrailing();
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        AzureClients azure = clients(AzureOptions.of(cluster));
        return new ClusterVms(azure)
                .find(cluster).stream()
                        .filter(ClusterVms::alive)
                        .map(ClusterVms::node)
                        .toList();
    }

    /** Deletes the given VMs of this cluster, with their NICs, addresses and disks, and waits until they are gone. */
    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        AzureOptions options = AzureOptions.of(cluster);
        String group = AzureNames.group(cluster);
        String marker =
                "/resourcegroups/" + group.toLowerCase(Locale.ROOT) + "/providers/microsoft.compute/virtualmachines/";
        // Only VMs in the cluster's own resource group: never anything else, whatever ids are passed.
        List<String> names = nodes.stream()
                .map(Node::id)
                .filter(id -> id.toLowerCase(Locale.ROOT).contains(marker))
                .map(AzureNames::lastSegment)
                .distinct()
                .toList();
        if (names.isEmpty()) {
            return;
        }
        new ClusterVms(clients(options)).delete(group, names, Instant.now().plus(options.deleteTimeout()));
        LOG.info("{}: deleted VM(s) {}", cluster.name(), names);
    }

    /** Deletes the cluster's resource group, with everything in it, and waits until it is gone. Idempotent. */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        AzureOptions options = AzureOptions.of(cluster);
        AzureClients azure = clients(options);
        Instant deadline = Instant.now().plus(options.deleteTimeout());
        try {
            new ClusterResourceGroup(azure).delete(cluster, deadline);
            // The group's Key Vaults are only soft-deleted with it; purging frees them at once.
            new ClusterVaults(azure).purgeDeleted(cluster.name(), cluster.id(), options.location(), deadline);
        } finally {
            // Outside the group, so not deleted with it: revoked even when the group's delete failed.
            if (engineArtifact(options).isEmpty()) {
                new EngineUploads(azure, options)
                        .revokeController(cluster); // the cache itself stays for other clusters
            }
        }
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        AzureClients azure = clients(AzureOptions.of(cluster));
        return new ClusterVms(azure).serialLogTail(AzureNames.group(cluster), node.name(), lines);
    }

    /**
     * The clusters with a running scheduler VM in the subscription that {@code options} name
     * ({@code azure.subscription}, optionally {@code azure.endpoint}), found by their resource
     * groups' tags, each with its group's location and the options and tags its scheduler VM
     * carries ({@link AzureDiscovery}): what {@code cluster list/down --provider azure} use on a
     * machine that did not create the cluster.
     */
    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        return new AzureDiscovery(clients(AzureOptions.of(options))).find(options);
    }

    /**
     * Finds the resource groups jcloud created in the subscription of {@code options} whose cluster
     * has no running scheduler, and (unless {@code dryRun}) deletes them. Groups younger than
     * {@code minAge} are left alone: a cluster being created has its group before its scheduler.
     */
    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        return new AzureGarbageCollector(this).collect(options, dryRun, minAge);
    }

    AzureClients clients(AzureOptions options) {
        String key = options.subscription() + "|"
                + options.endpoint().map(Object::toString).orElse("");
        return clients.computeIfAbsent(key, k -> factory.create(options));
    }

    /**
     * The engine the nodes download when the user gave none: for the scheduler this process's own
     * engine, published to the engine cache ({@link EngineUploads}); for workers the scheduler's
     * version (its {@link EngineUploads#ENGINE_TAG}), so every node of a cluster runs the same engine.
     * Running as the cluster's controller identity (the in-cluster controller: its token's object id is
     * that identity's principal), the URL is a user delegation SAS, signed without any account key;
     * otherwise (the CLI) a service SAS signed with the account key.
     */
    private EngineArtifact uploadedEngine(
            ClusterContext cluster, AzureOptions options, AzureClients azure, NodeRole role) {
        EngineUploads uploads = new EngineUploads(azure, options);
        if (role == NodeRole.SCHEDULER) {
            EngineArtifact published = uploads.publish(engineBundles.apply(cluster));
            uploads.sweep(() -> enginesOnVms(azure), published.sha256());
            return published;
        }
        VirtualMachineInner scheduler =
                new ClusterVms(azure).get(AzureNames.group(cluster), ClusterNames.scheduler(cluster.name()));
        String sha = scheduler == null || scheduler.tags() == null
                ? null
                : scheduler.tags().get(EngineUploads.ENGINE_TAG);
        if (sha == null) {
            throw new ProvisionException(
                    "cluster " + cluster.name() + " has no scheduler VM to take the engine version" + " from");
        }
        boolean controller = new ControllerIdentity(azure)
                .principalId(cluster)
                .equalsIgnoreCase(String.valueOf(azure.caller().objectId()));
        return controller ? uploads.delegatedArtifact(sha) : uploads.artifact(sha);
    }

    /**
     * The engine versions the subscription's VMs carry on their {@link EngineUploads#ENGINE_TAG}, in
     * any power state (a deallocated VM may start again and boot its version), for the engine cache's
     * sweep by the shared {@link dev.jcloud.provisioner.boot.EngineCachePolicy}.
     */
    static java.util.Set<String> enginesOnVms(AzureClients azure) {
        java.util.Set<String> inUse = new java.util.HashSet<>();
        for (VirtualMachineInner vm : azure.compute().getVirtualMachines().list()) {
            String sha = vm.tags() == null ? null : vm.tags().get(EngineUploads.ENGINE_TAG);
            if (sha != null) {
                inUse.add(sha);
            }
        }
        return inUse;
    }

    /**
     * Where VMs download the engine when the user says ({@link AzureOptions#ENGINE_URL} and
     * {@link AzureOptions#ENGINE_SHA256}); empty when neither is set (the provider uploads its own);
     * fails naming the options when only one is set or they are malformed.
     */
    static Optional<EngineArtifact> engineArtifact(AzureOptions options) {
        if (options.engineUrl().isEmpty() && options.engineSha256().isEmpty()) {
            return Optional.empty();
        }
        if (options.engineUrl().isEmpty() || options.engineSha256().isEmpty()) {
            throw new IllegalArgumentException("set both " + AzureOptions.ENGINE_URL
                    + " (an https URL, e.g. a blob with a"
                    + " short-lived SAS) and " + AzureOptions.ENGINE_SHA256 + " (its SHA-256), or neither: then the"
                    + " engine of this jcloud is uploaded to the subscription's engine cache");
        }
        try {
            return Optional.of(EngineArtifact.of(
                    options.engineUrl().get(), options.engineSha256().get()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "invalid " + AzureOptions.ENGINE_URL + "/" + AzureOptions.ENGINE_SHA256 + ": " + e.getMessage(), e);
        }
    }
}
