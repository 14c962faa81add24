package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.SettingsSection;
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
import dev.jcloud.provisioner.elastic.ClusterPricing;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.net.SchedulerProbe;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import dev.jcloud.terraform.TerraformExport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * Clusters on EC2 virtual machines (provider name {@code aws}).
 *
 * <p>{@link #bootstrap} creates, per cluster: the network placement ({@link Ec2Network}), a
 * security group ({@link ClusterSecurityGroup}) and an IAM role with instance profile
 * ({@link InstanceIdentity}). {@link #launch} starts all nodes of a request in one RunInstances
 * call, each booted by the user-data that {@link BootScript} renders; {@link #nodes} asks EC2 by
 * tag; {@link #terminate} and {@link #deleteSharedResources} undo it and wait, with deadlines,
 * until it is really gone. Every method works on a partially created cluster and may be called
 * again. Resource creation and the waits for the engine ({@link #awaitScheduler}) are separate, so
 * the former can be tested against an emulator that does not boot machines.
 *
 * <p>Settings come from the cluster's options, see {@link AwsOptions}. Credentials come from the
 * SDK's default chain; the identity used is logged at bootstrap.
 */
public final class Ec2Provider implements AwsPlatform {

    private static final Logger LOG = LoggerFactory.getLogger(Ec2Provider.class);
    /** User-data is limited to 16 KB before base64. */
    static final int USER_DATA_LIMIT = 16 * 1024;
    /** Workers per RunInstances call: keeps the names in the user-data well under its limit. */
    static final int MAX_PER_CALL = 100;

    private static final Duration PROFILE_PROPAGATION = Duration.ofSeconds(90);
    /** Reads EC2's launch index (0..N-1 within one RunInstances call) over IMDSv2; trusted code. */
    static final BootStep IMDS_LAUNCH_INDEX = BootStep.shell(
            String.join(
                    "\n",
                    "local imds=\"${JCLOUD_IMDS:-http://169.254.169.254}\" token",
                    "token=$(curl -fsS --retry 10 --retry-connrefused -X PUT \"$imds/latest/api/token\""
                            + " -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
                    "curl -fsS --retry 10 -H \"X-aws-ec2-metadata-token: $token\" \"$imds/latest/meta-data/ami-launch-index\""));

    /**
     * Polls EC2's instance metadata (IMDSv2) for the two-minute spot interruption notice and writes
     * {@link BootScript#INTERRUPTION_FILE} when it comes; trusted code.
     */
    static final BootStep SPOT_WATCHER = BootStep.shell(String.join(
            "\n",
            "local imds=\"${JCLOUD_IMDS:-http://169.254.169.254}\" token code",
            "while true; do",
            "  token=$(curl -fsS -X PUT \"$imds/latest/api/token\" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' 2>/dev/null)",
            "  code=$(curl -s -o /dev/null -w '%{http_code}' -H \"X-aws-ec2-metadata-token: $token\" \"$imds/latest/meta-data/spot/instance-action\")",
            "  if [ \"$code\" = 200 ]; then",
            "    : > \"$JCLOUD_HOME/interrupted\"; jcloud_log \"spot interruption notice: retiring this worker\"; return 0",
            "  fi",
            "  sleep 5",
            "done"));

    /** Whether the engine answers on the scheduler machine (its dashboard's metrics). */
    private static final SchedulerProbe ENGINE = SchedulerProbe.metrics(ClusterSecurityGroup.DASHBOARD_PORT);

    private final AwsClients.Factory factory;
    private final CallerAddress callerAddress;
    private final Map<String, AwsClients> clients = new ConcurrentHashMap<>();
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();
    private final java.util.function.Function<ClusterContext, EngineBundle> engineBundles;

    /** The provider ServiceLoader finds: default credentials, endpoints and address detection. */
    public Ec2Provider() {
        this(AwsClients.defaults(), CallerAddress.detect(AwsOptions.ALLOW_FROM));
    }

    Ec2Provider(AwsClients.Factory factory, CallerAddress callerAddress) {
        this(factory, callerAddress, cluster -> EngineBundle.forProvider(cluster, Ec2Provider.class));
    }

    Ec2Provider(
            AwsClients.Factory factory,
            CallerAddress callerAddress,
            java.util.function.Function<ClusterContext, EngineBundle> engineBundles) {
        this.factory = requireNonNull(factory, "factory is null");
        this.callerAddress = requireNonNull(callerAddress, "callerAddress is null");
        this.engineBundles = requireNonNull(engineBundles, "engineBundles is null");
    }

    @Override
    public String name() {
        return "aws";
    }

    @Override
    public String description() {
        return "AWS EC2: one instance per worker, in a VPC of your account.";
    }

    @Override
    public List<SettingsSection> settings() {
        return AwsSettings.ec2();
    }

    /** Offers its Terraform export ({@link TerraformExport}). */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == TerraformExport.class ? Optional.of(type.cast(new Ec2TerraformExport())) : Optional.empty();
    }

    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(60);
    }

    @Override
    public Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.of(new ClusterPricing.Machines(
                name(),
                AwsSettings.REGION.read(options),
                AwsSettings.SCHEDULER_TYPE.read(options),
                AwsSettings.WORKER_TYPE.read(options),
                AwsSettings.SPOT.read(options)));
    }

    @Override
    public Optional<String> permissionPolicy() {
        return Optional.of(UserPolicies.ec2());
    }

    @Override
    public void validate(ClusterContext cluster) {
        AwsOptions.of(cluster);
    }

    @Override
    public List<dev.jcloud.provisioner.UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return AwsPlans.ec2(cluster, AwsOptions.of(cluster), workers);
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        AwsOptions options = AwsOptions.of(cluster);
        requireRegion(options.region());
        AwsClients aws = clients(options);
        // Reject what launch would refuse before anything is created.
        MachineImages images = new MachineImages(aws.ec2(), aws.ssm());
        images.requireOffered(AwsOptions.SCHEDULER_TYPE, options.schedulerType(), options.region());
        images.requireOffered(AwsOptions.WORKER_TYPE, options.workerType(), options.region());
        images.imageFor(options.ami(), options.schedulerType());
        Identity who = identity(options, aws);
        LOG.info("{}: using AWS identity {} in {}", cluster.name(), who.arn(), options.region());
        List<String> allowFrom = options.allowFrom().isEmpty() ? List.of(callerAddress.cidr()) : options.allowFrom();
        Map<String, String> tags = sharedTags(cluster, options, who);
        Ec2Network.Placement placement = new Ec2Network(aws.ec2()).ensure(cluster, options, tags);
        String groupId = new ClusterSecurityGroup(aws.ec2()).ensure(cluster, placement.vpcId(), allowFrom, tags);
        String name = InstanceIdentity.name(cluster);
        String workers = InstanceIdentity.workerName(cluster);
        Optional<String> defaultGroup = aws
                .ec2()
                .describeSecurityGroups(r -> r.filters(
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("vpc-id")
                                .values(placement.vpcId())
                                .build(),
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("group-name")
                                .values("default")
                                .build()))
                .securityGroups()
                .stream()
                .map(software.amazon.awssdk.services.ec2.model.SecurityGroup::groupId)
                .findFirst();
        String policy = InstancePolicies.permissionsPolicy(
                cluster,
                who.partition(),
                options.region(),
                who.account(),
                placement.vpcId(),
                groupId,
                defaultGroup,
                name,
                name,
                workers,
                workers);
        InstanceIdentity identities = new InstanceIdentity(aws.iam());
        identities.ensureWorkers(
                cluster,
                tags,
                InstancePolicies.workerPolicy(cluster, who.partition(), options.region(), who.account()));
        identities.ensure(cluster, tags, policy);
        if (ClusterTrust.enabled(cluster.options())) {
            new ClusterSecrets(aws.ssm()).ensure(cluster, tags);
        }
    }

    /**
     * Fails unless {@code region} exists. A region newer than the pinned SDK is looked up with EC2
     * itself, so new regions work without a jcloud release.
     */
    private void requireRegion(String region) {
        if (software.amazon.awssdk.regions.Region.regions()
                .contains(software.amazon.awssdk.regions.Region.of(region))) {
            return;
        }
        boolean exists = clients
                .computeIfAbsent("us-east-1", factory::create)
                .ec2()
                .describeRegions(r -> r.allRegions(true))
                .regions()
                .stream()
                .anyMatch(r -> r.regionName().equals(region));
        if (!exists) {
            throw AwsOptions.invalid(
                    AwsOptions.REGION, region, "an AWS region (see 'aws ec2 describe-regions --all-regions')");
        }
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        AwsOptions options = AwsOptions.of(cluster);
        int count = request.nodes().size();
        if (count == 0) {
            return List.of();
        }
        AwsClients aws = clients(options);
        Ec2Instances instances = new Ec2Instances(aws.ec2());
        if (request.role() == NodeRole.WORKER) {
            long running = instances.find(cluster, Ec2Instances.ALIVE).stream()
                    .filter(i -> Ec2Instances.node(i).role() == NodeRole.WORKER)
                    .count();
            if (running + count > options.maxWorkers()) {
                // The hard limit is enforced where machines are created, not only where scaling is decided.
                throw new ProvisionException("cluster " + cluster.name() + " would have " + (running + count)
                        + " workers, more than its maximum of " + options.maxWorkers() + " (" + AwsOptions.MAX_WORKERS
                        + ")");
            }
        }
        Ec2Network.Placement placement = new Ec2Network(aws.ec2()).find(cluster, options);
        String groupId = new ClusterSecurityGroup(aws.ec2())
                .find(cluster)
                .orElseThrow(() -> new ProvisionException("the security group of cluster " + cluster.name()
                        + " is missing: run 'jcloud cluster up' again"))
                .groupId();
        Identity who = identity(options, aws);
        EngineArtifact engine = engineArtifact(cluster, options, aws, who, request.role());
        String ami = new MachineImages(aws.ec2(), aws.ssm())
                .imageFor(
                        options.ami(),
                        request.role() == NodeRole.SCHEDULER ? options.schedulerType() : options.workerType());
        List<Node> out = new ArrayList<>();
        List<LaunchRequest.NodeLaunch> all = request.nodes();
        for (int from = 0; from < all.size(); from += MAX_PER_CALL) {
            List<LaunchRequest.NodeLaunch> batch = all.subList(from, Math.min(all.size(), from + MAX_PER_CALL));
            out.addAll(launchBatch(cluster, options, aws, who, request.role(), batch, engine, ami, placement, groupId));
        }
        return out;
    }

    private List<Node> launchBatch(
            ClusterContext cluster,
            AwsOptions options,
            AwsClients aws,
            Identity who,
            NodeRole role,
            List<LaunchRequest.NodeLaunch> batch,
            EngineArtifact engine,
            String ami,
            Ec2Network.Placement placement,
            String groupId) {
        Ec2Instances instances = new Ec2Instances(aws.ec2());
        List<String> names = batch.stream().map(LaunchRequest.NodeLaunch::name).toList();
        EngineCommand command = onMachine(cluster, aws, batch.get(0).command());
        if (ClusterTrust.enabled(cluster.options())) {
            // The key files are fetched at boot with the machine's role; only their paths are rendered.
            String stem = role == NodeRole.SCHEDULER ? "scheduler" : "worker";
            command = command.with(TlsFiles.CERT_FLAG, BootScript.SECRETS + stem + ".pem")
                    .with(TlsFiles.KEY_FLAG, BootScript.SECRETS + stem + "-key.pem")
                    .with(TlsFiles.CA_FLAG, BootScript.SECRETS + "ca.pem")
                    .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
            if (role == NodeRole.SCHEDULER) {
                command = command.with(DashboardLogin.FLAG, BootScript.SECRETS + DashboardLogin.FILE);
            }
        }
        boolean spotWorker = options.spot() && role == NodeRole.WORKER;
        if (spotWorker) {
            command = command.with("--interruption-file", BootScript.INTERRUPTION_FILE);
        }
        BootScript.Builder script = BootScript.builder(command, engine)
                .env("JCLOUD_CLUSTER", cluster.name())
                .env("JCLOUD_CLUSTER_ID", cluster.id());
        if (spotWorker) {
            script.watcher(SPOT_WATCHER);
        }
        if (ClusterTrust.enabled(cluster.options())) {
            List<String> fetch = new ArrayList<>(List.of(options.region(), ClusterSecrets.prefix(cluster)));
            fetch.addAll(role == NodeRole.SCHEDULER ? ClusterSecrets.SCHEDULER_FILES : ClusterSecrets.WORKER_FILES);
            script.secrets(BootStep.engineMain(ParameterFiles.class.getName(), fetch));
        }
        if (role == NodeRole.WORKER) {
            script.nodeNames("--name", names, IMDS_LAUNCH_INDEX);
        } else {
            script.env("JCLOUD_NODE", names.get(0));
        }
        String userData = script.build().render();
        if (userData.getBytes(StandardCharsets.UTF_8).length > USER_DATA_LIMIT) {
            throw new ProvisionException("the boot script of " + names.get(0) + " is larger than EC2's 16 KB user-data"
                    + " limit: use shorter names, options or fewer workers per launch");
        }
        Map<String, String> tags = new LinkedHashMap<>(Tags.of(cluster, options, who.arn()));
        tags.put(ClusterContext.ROLE_TAG, role.label());
        if (role == NodeRole.SCHEDULER) {
            tags.put(EngineUploads.ENGINE_TAG, engine.sha256());
        }
        if (names.size() == 1) {
            tags.put(ClusterContext.NODE_TAG, names.get(0));
        }
        String type = role == NodeRole.SCHEDULER ? options.schedulerType() : options.workerType();
        // Only workers go to the spot market: losing the scheduler loses the cluster's state.
        boolean spot = spotWorker;
        tags.put(Tags.MARKET, spot ? Tags.SPOT : Tags.ON_DEMAND);
        Ec2Instances.Launch launch = new Ec2Instances.Launch(
                ami,
                type,
                placement.subnetId(),
                groupId,
                role == NodeRole.SCHEDULER ? InstanceIdentity.name(cluster) : InstanceIdentity.workerName(cluster),
                userData,
                names.size(),
                options.rootVolumeGiB(),
                tags,
                clientToken(cluster, names),
                spot);
        List<Instance> started = runWithFailover(cluster, instances, launch, placement, names);
        if (names.size() > 1) {
            // One call shares its tags; each machine's name follows its launch index, as its boot script's does.
            instances.name(started, names);
        }
        LOG.info(
                "{}: launched {} {} instance(s) {}",
                cluster.name(),
                started.size(),
                role.label(),
                started.stream().map(Instance::instanceId).toList());
        List<Node> nodes = new ArrayList<>();
        for (Instance i : started) {
            nodes.add(new Node(i.instanceId(), names.get(i.amiLaunchIndex()), role));
        }
        return nodes;
    }

    /**
     * Runs {@code launch}, and when EC2 has no capacity for it tries the other zones' subnets, then
     * (for spot) the same again on demand. Each attempt is all-or-nothing (MinCount = MaxCount), so
     * a failed one leaves nothing behind; a mistake in the request fails at once.
     */
    private List<Instance> runWithFailover(
            ClusterContext cluster,
            Ec2Instances instances,
            Ec2Instances.Launch launch,
            Ec2Network.Placement placement,
            List<String> names) {
        List<Ec2Instances.Launch> attempts = new ArrayList<>();
        List<Boolean> markets = launch.spot() ? List.of(true, false) : List.of(false);
        for (boolean spot : markets) {
            for (String subnet : placement.subnets()) {
                // A new token per attempt: EC2 refuses a reused token with different parameters.
                String token = launch.clientToken() + "-" + attempts.size();
                Ec2Instances.Launch l =
                        spot ? launch.in(subnet, token) : launch.onDemand(token).in(subnet, token);
                attempts.add(l);
            }
        }
        List<String> refusals = new ArrayList<>();
        for (Ec2Instances.Launch attempt : attempts) {
            try {
                List<Instance> started = instances.run(attempt, Instant.now().plus(PROFILE_PROPAGATION));
                if (!refusals.isEmpty()) {
                    LOG.warn(
                            "{}: launched {} {} instance(s) in {} after: {}",
                            cluster.name(),
                            attempt.count(),
                            attempt.spot() ? "spot" : "on-demand",
                            attempt.subnetId(),
                            String.join("; ", refusals));
                }
                return started;
            } catch (RuntimeException e) {
                if (!CapacityErrors.isCapacity(e)) {
                    throw e;
                }
                refusals.add((attempt.spot() ? "spot" : "on-demand") + " in " + attempt.subnetId() + ": "
                        + CapacityErrors.describe(e));
            }
        }
        throw new ProvisionException("EC2 has no capacity for " + launch.count() + " x " + launch.instanceType()
                + " (" + names.get(0) + (names.size() > 1 ? " ..." : "") + ") in any allowed zone: "
                + String.join("; ", refusals) + ". Try another instance type (" + AwsOptions.WORKER_TYPE + "/"
                + AwsOptions.SCHEDULER_TYPE + "), region or subnet.");
    }

    /**
     * The engine command as it runs on the machine: listening on all interfaces on the ports the
     * security group opens, and for workers pointed at the scheduler's private address (traffic
     * inside the group, which the public address would not be).
     */
    private EngineCommand onMachine(ClusterContext cluster, AwsClients aws, EngineCommand command) {
        if (command.role() == NodeRole.SCHEDULER) {
            return command.onAllInterfaces(ClusterTrust.enabled(cluster.options()))
                    .with("--port", Integer.toString(ClusterSecurityGroup.SCHEDULER_PORT))
                    .with("--dashboard-port", Integer.toString(ClusterSecurityGroup.DASHBOARD_PORT));
        }
        Optional<String> privateAddress = new Ec2Instances(aws.ec2())
                .find(cluster, Ec2Instances.ALIVE).stream()
                        .filter(i -> Ec2Instances.node(i).role() == NodeRole.SCHEDULER && i.privateIpAddress() != null)
                        .findFirst()
                        .map(i -> i.privateIpAddress() + ":" + ClusterSecurityGroup.SCHEDULER_PORT);
        List<String> args = command.arguments();
        EngineCommand rebuilt = EngineCommand.worker(privateAddress.orElse(args.get(1)));
        for (int i = 2; i + 1 < args.size(); i += 2) {
            rebuilt = rebuilt.with(args.get(i), args.get(i + 1));
        }
        return rebuilt.onAllInterfaces(ClusterTrust.enabled(cluster.options()));
    }

    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        AwsClients aws = clients(AwsOptions.of(cluster));
        return new Ec2Instances(aws.ec2())
                        .find(List.of(software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("instance-id")
                                .values(scheduler.id())
                                .build()))
                        .stream()
                        .map(Instance::privateIpAddress)
                        .filter(a -> a != null && !a.isEmpty())
                        .findFirst()
                        .map(a -> a + ":" + ClusterSecurityGroup.SCHEDULER_PORT);
    }

    /**
     * Waits until the scheduler's engine answers on its public address (private when it has none),
     * checked through its dashboard's metrics. Fails early when the instance stops, and at the deadline, with its console output.
     */
    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        AwsClients aws = clients(AwsOptions.of(cluster));
        Ec2Instances instances = new Ec2Instances(aws.ec2());
        while (true) {
            Instance i = instances
                    .find(List.of(software.amazon.awssdk.services.ec2.model.Filter.builder()
                            .name("instance-id")
                            .values(scheduler.id())
                            .build()))
                    .stream()
                    .findFirst()
                    .orElse(null);
            if (i == null
                    || (i.state().name() != InstanceStateName.PENDING
                            && i.state().name() != InstanceStateName.RUNNING)) {
                throw new ProvisionException("the scheduler instance " + scheduler.id() + " is "
                        + (i == null ? "gone" : i.state().nameAsString())
                        + (i != null && i.stateReason() != null
                                ? " (" + i.stateReason().message() + ")"
                                : "")
                        + consoleOf(instances, scheduler));
            }
            String host = i.publicIpAddress() != null ? i.publicIpAddress() : i.privateIpAddress();
            if (host != null && ENGINE.answers(host)) {
                return new SchedulerEndpoint(
                        host + ":" + ClusterSecurityGroup.SCHEDULER_PORT,
                        host + ":" + ClusterSecurityGroup.DASHBOARD_PORT);
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("the scheduler " + scheduler.name() + " (" + scheduler.id()
                        + ") did not listen on " + host + ":" + ClusterSecurityGroup.SCHEDULER_PORT + " in time"
                        + consoleOf(instances, scheduler));
            }
            try {
                Thread.sleep(Math.min(
                        2000,
                        Math.max(1, Duration.between(Instant.now(), deadline).toMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted while waiting for the scheduler", e);
            }
        }
    }

    private static String consoleOf(Ec2Instances instances, Node node) {
        String tail = instances.consoleTail(node.id(), 30);
        return tail.isBlank()
                ? "; its console output is empty (EC2 publishes it a few minutes after boot)"
                : "; last lines of its console output:\n" + tail.indent(2).stripTrailing();
    }

    /** Clusters with a pending or running scheduler instance in the options' region, by their tags. */
    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        AwsOptions o = AwsOptions.of(new ClusterContext("discover", "discover", Path.of("."), options));
        List<ClusterContext> out = new ArrayList<>();
        for (Instance i : new Ec2Instances(clients(o).ec2())
                .find(List.of(
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("tag:" + ClusterContext.ROLE_TAG)
                                .values(NodeRole.SCHEDULER.label())
                                .build(),
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("instance-state-name")
                                .values(Ec2Instances.ALIVE)
                                .build()))) {
            Map<String, String> tags = Tags.toMap(i.tags());
            String name = tags.get(ClusterContext.NAME_TAG);
            String id = tags.get(ClusterContext.ID_TAG);
            if (name != null && id != null && Ec2GarbageCollector.ours(tags)) {
                Map<String, String> merged = new LinkedHashMap<>(options);
                merged.put(AwsOptions.REGION, o.region());
                out.add(new ClusterContext(name, id, Path.of("."), merged));
            }
        }
        return out;
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        AwsClients aws = clients(AwsOptions.of(cluster));
        return new Ec2Instances(aws.ec2())
                .find(cluster, Ec2Instances.ALIVE).stream()
                        .map(Ec2Instances::node)
                        .toList();
    }

    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        AwsOptions options = AwsOptions.of(cluster);
        AwsClients aws = clients(options);
        new Ec2Instances(aws.ec2())
                .terminate(
                        cluster,
                        nodes.stream()
                                .map(Node::id)
                                .filter(id -> id.startsWith("i-"))
                                .distinct()
                                .toList(),
                        Instant.now().plus(options.terminateTimeout()));
    }

    /**
     * Terminates any instance of the cluster still there and waits until it is gone, then deletes
     * the security group (retrying while network interfaces still hold it), the IAM role and
     * instance profile, and the dedicated network. Safe on partial clusters and when called again.
     */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        AwsOptions options = AwsOptions.of(cluster);
        AwsClients aws = clients(options);
        Instant deadline = Instant.now().plus(options.terminateTimeout());
        Ec2Instances instances = new Ec2Instances(aws.ec2());
        instances.terminate(
                cluster,
                instances.find(cluster, Ec2Instances.NOT_TERMINATED).stream()
                        .map(Instance::instanceId)
                        .toList(),
                deadline);
        new ClusterSecurityGroup(aws.ec2()).delete(cluster, deadline);
        new InstanceIdentity(aws.iam()).delete(cluster);
        new Ec2Network(aws.ec2()).deleteDedicated(cluster, deadline);
        new ClusterSecrets(aws.ssm()).delete(cluster);
    }

    /**
     * From the scheduler at idle timeout: terminates the workers and waits, deletes the cluster's
     * secrets, moves the scheduler's own machine into its VPC's default security group so that the
     * cluster's group can be deleted, detaches and deletes the machine identity (this process keeps
     * its cached credentials for the last calls), and terminates its own machine last. A dedicated
     * VPC cannot be deleted while this machine is in it; it costs nothing, and
     * {@code jcloud cluster gc} (or the next {@code down}) removes it.
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        AwsOptions options = AwsOptions.of(cluster);
        AwsClients aws = clients(options);
        Instant deadline = Instant.now().plus(options.terminateTimeout());
        Ec2Instances instances = new Ec2Instances(aws.ec2());
        List<Instance> alive = instances.find(cluster, Ec2Instances.NOT_TERMINATED);
        List<String> workers = alive.stream()
                .filter(i -> Ec2Instances.node(i).role() == NodeRole.WORKER)
                .map(Instance::instanceId)
                .toList();
        instances.terminate(cluster, workers, deadline);
        new ClusterSecrets(aws.ssm()).delete(cluster);
        Optional<Instance> self = alive.stream()
                .filter(i -> Ec2Instances.node(i).role() == NodeRole.SCHEDULER)
                .findFirst();
        if (self.isEmpty()) {
            deleteSharedResources(cluster);
            return;
        }
        String selfId = self.get().instanceId();
        String vpcId = self.get().vpcId();
        aws
                .ec2()
                .describeSecurityGroups(r -> r.filters(
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("vpc-id")
                                .values(vpcId)
                                .build(),
                        software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("group-name")
                                .values("default")
                                .build()))
                .securityGroups()
                .stream()
                .findFirst()
                .ifPresent(defaultGroup -> {
                    // Into a group that lets nothing in from outside the VPC: the cluster is going away.
                    aws.ec2().modifyInstanceAttribute(r -> r.instanceId(selfId).groups(defaultGroup.groupId()));
                    new ClusterSecurityGroup(aws.ec2()).delete(cluster, deadline);
                });
        aws.ec2()
                .describeIamInstanceProfileAssociations(
                        r -> r.filters(software.amazon.awssdk.services.ec2.model.Filter.builder()
                                .name("instance-id")
                                .values(selfId)
                                .build()))
                .iamInstanceProfileAssociations()
                .forEach(a -> aws.ec2().disassociateIamInstanceProfile(r -> r.associationId(a.associationId())));
        new InstanceIdentity(aws.iam()).delete(cluster);
        LOG.info("{}: idle teardown done; terminating this scheduler's machine {}", cluster.name(), selfId);
        aws.ec2().terminateInstances(r -> r.instanceIds(selfId));
    }

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        AwsClients aws = clients(AwsOptions.of(cluster));
        return new Ec2Instances(aws.ec2()).consoleTail(node.id(), lines);
    }

    /**
     * Finds resources tagged by jcloud in {@code region} whose cluster has no live scheduler, and
     * (unless {@code dryRun}) deletes them. Resources younger than {@code minAge} are left alone: a
     * cluster being created has shared resources before its scheduler starts.
     */
    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        return new Ec2GarbageCollector(this).collect(options, dryRun, minAge);
    }

    AwsClients clients(AwsOptions options) {
        return clients.computeIfAbsent(options.region(), factory::create);
    }

    private Identity identity(AwsOptions options, AwsClients aws) {
        return identities.computeIfAbsent(options.region(), r -> {
            String arn = aws.sts().getCallerIdentity().arn();
            String[] parts = arn.split(":");
            return new Identity(arn, parts[1], parts[4]);
        });
    }

    private static Map<String, String> sharedTags(ClusterContext cluster, AwsOptions options, Identity who) {
        Map<String, String> tags = new LinkedHashMap<>(Tags.of(cluster, options, who.arn()));
        tags.put(Tags.CREATED, Long.toString(Instant.now().getEpochSecond()));
        return tags;
    }

    /**
     * The engine the nodes download: the one the user gave ({@link AwsOptions#ENGINE_URL}), else for
     * the scheduler this process's own engine, published to S3; for workers the scheduler's engine
     * (its {@link EngineUploads#ENGINE_TAG}), so every node of a cluster runs the same version.
     */
    private EngineArtifact engineArtifact(
            ClusterContext cluster, AwsOptions options, AwsClients aws, Identity who, NodeRole role) {
        if (options.engineUrl().isPresent()) {
            return EngineArtifact.of(
                    options.engineUrl().get(),
                    options.engineSha256()
                            .orElseThrow(() -> new IllegalArgumentException("set " + AwsOptions.ENGINE_SHA256
                                    + " (the SHA-256 of the engine at " + AwsOptions.ENGINE_URL + ")")));
        }
        EngineUploads uploads = new EngineUploads(aws.s3(), aws.presigner(), options.region(), who.account());
        if (role == NodeRole.SCHEDULER) {
            EngineArtifact published = uploads.publish(engineBundles.apply(cluster));
            sweepUnusedEngines(aws, uploads, published.sha256());
            return published;
        }
        String sha = new Ec2Instances(aws.ec2())
                .find(cluster, Ec2Instances.ALIVE).stream()
                        .filter(i -> Ec2Instances.node(i).role() == NodeRole.SCHEDULER)
                        .map(i -> Tags.toMap(i.tags()).get(EngineUploads.ENGINE_TAG))
                        .filter(java.util.Objects::nonNull)
                        .findFirst()
                        .orElseThrow(() -> new ProvisionException("cluster " + cluster.name()
                                + " has no running scheduler to take the engine version from"));
        return uploads.artifact(sha);
    }

    /**
     * Removes the engine versions no machine of the region carries (on its {@link EngineUploads#ENGINE_TAG})
     * by the shared {@link dev.jcloud.provisioner.boot.EngineCachePolicy}. Only housekeeping: a failure
     * is logged, never fails the {@code up}, and the next {@code up} tries again.
     */
    private static void sweepUnusedEngines(AwsClients aws, EngineUploads uploads, String current) {
        uploads.sweep(
                () -> {
                    java.util.Set<String> inUse = new java.util.HashSet<>();
                    aws.ec2()
                            .describeInstancesPaginator(r -> r.filters(
                                    software.amazon.awssdk.services.ec2.model.Filter.builder()
                                            .name("tag-key")
                                            .values(EngineUploads.ENGINE_TAG)
                                            .build(),
                                    software.amazon.awssdk.services.ec2.model.Filter.builder()
                                            .name("instance-state-name")
                                            .values(Ec2Instances.NOT_TERMINATED)
                                            .build()))
                            .reservations()
                            .forEach(res -> res.instances().forEach(i -> {
                                String sha = Tags.toMap(i.tags()).get(EngineUploads.ENGINE_TAG);
                                if (sha != null) {
                                    inUse.add(sha);
                                }
                            }));
                    return inUse;
                },
                current);
    }

    /** Same launch, same token: a retried RunInstances never starts the machines twice. */
    private static String clientToken(ClusterContext cluster, List<String> names) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(String.join(",", names).getBytes(StandardCharsets.UTF_8));
            return cluster.id() + "-" + HexFormat.of().formatHex(d).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Who the SDK's credentials belong to. */
    private record Identity(String arn, String partition, String account) {}
}
