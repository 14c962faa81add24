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
import dev.jcloud.provisioner.boot.EngineBundle;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Clusters on AWS Fargate (provider name {@code fargate}): the scheduler and each worker are ECS
 * tasks running the engine's container image.
 *
 * <p>{@link #bootstrap} creates, per cluster: the network placement ({@link Ec2Network}, shared
 * with the EC2 provider), a security group ({@link ClusterSecurityGroup}: scheduler and dashboard
 * ports only from allow-from, everything else only between members), a CloudWatch log group with a
 * retention ({@link LogGroups}), a task role and an execution role ({@link TaskRoles}), an ECS
 * cluster with the FARGATE and FARGATE_SPOT capacity providers ({@link EcsClusters}) and the two
 * task definitions ({@link TaskDefinitions}). {@link #launch} starts tasks with RunTask
 * {@code count}, ten per call ({@link EcsTasks}); workers run on FARGATE_SPOT with
 * {@code fargate.spot=true}, falling back to FARGATE for what spot capacity refuses. Everything
 * carries the cluster's tags; {@link #nodes} asks ECS; {@link #terminate} and
 * {@link #deleteSharedResources} undo it and wait, with deadlines, until it is really gone. Every
 * method works on a partially created cluster and may be called again.
 *
 * <p>Worker identity: see {@link FargateNames} (a worker's name comes from its task id). Workers
 * reach the scheduler at its task's private address, known as soon as Fargate has attached its
 * network interface ({@link #schedulerAddressAtLaunch}), so they start alongside it.
 *
 * <p>Settings come from the cluster's options, see {@link FargateOptions}. Credentials come from the
 * SDK's default chain; the identity used is logged at bootstrap.
 */
public final class FargateProvider implements AwsPlatform {

    private static final Logger LOG = LoggerFactory.getLogger(FargateProvider.class);
    /** How long to wait for Fargate to attach the scheduler's network interface (seconds, normally). */
    private static final Duration ADDRESS_WAIT = Duration.ofSeconds(60);
    /** How long a new role may be invisible to ECS (IAM is eventually consistent). */
    private static final Duration ROLE_PROPAGATION = Duration.ofSeconds(90);

    private static final int LOG_LINES = 30;

    private final AwsClients.Factory factory;
    private final CallerAddress callerAddress;
    private final SchedulerProbe probe;
    private final java.util.function.Function<ClusterContext, EngineBundle> engineBundles;
    private final Map<String, AwsClients> clients = new ConcurrentHashMap<>();
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();

    /** The provider ServiceLoader finds: default credentials, endpoints and address detection. */
    public FargateProvider() {
        this(
                AwsClients.defaults(),
                CallerAddress.detect(AwsOptions.ALLOW_FROM),
                SchedulerProbe.metrics(ClusterSecurityGroup.DASHBOARD_PORT));
    }

    FargateProvider(AwsClients.Factory factory, CallerAddress callerAddress, SchedulerProbe probe) {
        this(factory, callerAddress, probe, EngineBundle::forCluster);
    }

    /** As above, with the engine bundle an image is built from when {@code fargate.image} is not set. */
    FargateProvider(
            AwsClients.Factory factory,
            CallerAddress callerAddress,
            SchedulerProbe probe,
            java.util.function.Function<ClusterContext, EngineBundle> engineBundles) {
        this.factory = requireNonNull(factory, "factory is null");
        this.callerAddress = requireNonNull(callerAddress, "callerAddress is null");
        this.probe = requireNonNull(probe, "probe is null");
        this.engineBundles = requireNonNull(engineBundles, "engineBundles is null");
    }

    @Override
    public String name() {
        return "fargate";
    }

    @Override
    public String description() {
        return "AWS Fargate: one container task per worker, no machines to manage.";
    }

    @Override
    public List<SettingsSection> settings() {
        return AwsSettings.fargate();
    }

    /** Offers its Terraform export ({@link TerraformExport}). */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == TerraformExport.class ? Optional.of(type.cast(new FargateTerraformExport())) : Optional.empty();
    }

    /** Tasks start faster than VMs: no machine to boot, only an image to pull. */
    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(40);
    }

    /** Fargate bills requested vCPU and memory: its "types" are {@code <n>vcpu-<m>gb}. */
    @Override
    public Optional<ClusterPricing.Machines> machines(Map<String, String> options) {
        return Optional.of(new ClusterPricing.Machines(
                name(),
                AwsSettings.REGION.read(options),
                PriceTable.resourceType(
                        AwsSettings.SCHEDULER_CPU.read(options), AwsSettings.SCHEDULER_MEMORY.read(options)),
                PriceTable.resourceType(AwsSettings.WORKER_CPU.read(options), AwsSettings.WORKER_MEMORY.read(options)),
                AwsSettings.FARGATE_SPOT.read(options)));
    }

    @Override
    public Optional<String> permissionPolicy() {
        return Optional.of(UserPolicies.fargate());
    }

    /** The options and the image, checked without calling AWS. */
    @Override
    public void validate(ClusterContext cluster) {
        FargateOptions.of(cluster);
    }

    @Override
    public List<dev.jcloud.provisioner.UpPlan.Step> plan(ClusterContext cluster, int workers) {
        return AwsPlans.fargate(cluster, FargateOptions.of(cluster), workers);
    }

    @Override
    public void bootstrap(ClusterContext cluster) {
        FargateOptions options = FargateOptions.of(cluster);
        AwsClients aws = clients(options);
        Identity who = identity(options, aws);
        LOG.info(
                "{}: using AWS identity {} in {}",
                cluster.name(),
                who.arn(),
                options.aws().region());
        // First, so that a failed build or push leaves nothing of the cluster behind.
        String image = options.image().orElseGet(() -> {
            EngineBundle bundle = engineBundles.apply(cluster);
            EngineImages images = new EngineImages(aws.ecr(), options.registryEndpoint());
            String pushed = images.ensure(
                    bundle, options.baseImage(), bundle.file().toAbsolutePath().getParent());
            // Housekeeping: versions no task definition names any more (logged, never fatal).
            images.sweep(aws.ecs(), bundle.sha256());
            return pushed;
        });
        List<String> allowFrom = options.aws().allowFrom().isEmpty()
                ? List.of(callerAddress.cidr())
                : options.aws().allowFrom();
        Map<String, String> tags = sharedTags(cluster, options, who);
        Ec2Network.Placement placement = new Ec2Network(aws.ec2()).ensure(cluster, options.aws(), tags);
        if (placement.dedicated()) {
            // As in a default VPC: tasks get private DNS names (moto cannot even start a task without them).
            aws.ec2().modifyVpcAttribute(r -> r.vpcId(placement.vpcId()).enableDnsHostnames(b -> b.value(true)));
        }
        new ClusterSecurityGroup(aws.ec2()).ensure(cluster, placement.vpcId(), allowFrom, tags);
        String logGroup = FargateNames.logGroup(cluster);
        new LogGroups(aws.logs()).ensure(logGroup, tags, options.logRetentionDays());
        boolean tls = ClusterTrust.enabled(cluster.options());
        if (tls) {
            // The CA stays on this machine; the tasks' certificates and keys become SecureStrings that only
            // the cluster's task role reads, fetched by FargateTaskMain when the container starts.
            new ClusterSecrets(aws.ssm()).ensure(cluster, tags);
        }
        TaskPolicies.Scope scope =
                new TaskPolicies.Scope(cluster, who.partition(), options.aws().region(), who.account());
        TaskRoles.Arns roles = new TaskRoles(aws.iam())
                .ensure(
                        cluster,
                        tags,
                        TaskPolicies.trustPolicy(scope),
                        TaskPolicies.taskPolicy(scope),
                        TaskPolicies.executionPolicy(scope, image));
        new EcsClusters(aws.ecs()).ensure(cluster, tags);
        TaskDefinitions definitions = new TaskDefinitions(aws.ecs());
        definitions.ensure(
                cluster,
                new TaskDefinitions.Spec(
                        NodeRole.SCHEDULER,
                        image,
                        options.schedulerCpu(),
                        options.schedulerMemoryMiB(),
                        roles,
                        logGroup,
                        options.aws().region(),
                        tls,
                        tags));
        definitions.ensure(
                cluster,
                new TaskDefinitions.Spec(
                        NodeRole.WORKER,
                        image,
                        options.workerCpu(),
                        options.workerMemoryMiB(),
                        roles,
                        logGroup,
                        options.aws().region(),
                        tls,
                        tags));
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        FargateOptions options = FargateOptions.of(cluster);
        int count = request.nodes().size();
        if (count == 0) {
            return List.of();
        }
        AwsClients aws = clients(options);
        String ecsCluster = FargateNames.ecsCluster(cluster);
        EcsTasks tasks = new EcsTasks(aws.ecs());
        NodeRole role = request.role();
        List<Task> alive = role == NodeRole.WORKER ? tasks.alive(ecsCluster) : List.of();
        if (role == NodeRole.WORKER) {
            long running = alive.stream()
                    .filter(t -> EcsTasks.node(cluster, t).role() == NodeRole.WORKER)
                    .count();
            if (running + count > options.aws().maxWorkers()) {
                // The hard limit is enforced where tasks are started, not only where scaling is decided.
                throw new ProvisionException("cluster " + cluster.name() + " would have " + (running + count)
                        + " workers, more than its maximum of " + options.aws().maxWorkers() + " ("
                        + AwsOptions.MAX_WORKERS + ")");
            }
        }
        String missing = "run 'jcloud cluster up' again to recreate it";
        new EcsClusters(aws.ecs())
                .find(cluster)
                .orElseThrow(() -> new ProvisionException(
                        "the ECS cluster " + ecsCluster + " of cluster " + cluster.name() + " is missing: " + missing));
        Ec2Network.Placement placement = new Ec2Network(aws.ec2()).find(cluster, options.aws());
        String groupId = new ClusterSecurityGroup(aws.ec2())
                .find(cluster)
                .orElseThrow(() -> new ProvisionException(
                        "the security group of cluster " + cluster.name() + " is missing: " + missing))
                .groupId();
        String family = FargateNames.family(cluster, role);
        String definition = new TaskDefinitions(aws.ecs())
                .latest(family)
                .orElseThrow(() -> new ProvisionException("the task definition " + family + " is missing: " + missing))
                .taskDefinitionArn();
        Identity who = identity(options, aws);
        Map<String, String> tags = new LinkedHashMap<>(Tags.of(cluster, options.aws(), who.arn()));
        tags.put(FargateNames.PROVIDER_TAG, FargateNames.PROVIDER);
        tags.put(ClusterContext.ROLE_TAG, role.label());
        if (role == NodeRole.SCHEDULER) {
            tags.put(ClusterContext.NODE_TAG, request.nodes().get(0).name());
        }
        // Workers of one request normally share one command (only --name differs, and it is derived
        // from the task id on Fargate): one series of RunTask calls per distinct command.
        Optional<String> schedulerAddress = schedulerPrivateAddress(cluster, alive);
        Map<List<String>, Integer> byCommand = new LinkedHashMap<>();
        for (LaunchRequest.NodeLaunch n : request.nodes()) {
            byCommand.merge(
                    withTls(cluster, onFargate(n.command(), schedulerAddress, ClusterTrust.enabled(cluster.options())))
                            .arguments(),
                    1,
                    Integer::sum);
        }
        // ECS places each task in one of these (the preferred subnet first, then the VPC's other zones):
        // more zones, more Fargate capacity. awsvpcConfiguration takes at most 16.
        List<String> subnets =
                placement.subnets().subList(0, Math.min(16, placement.subnets().size()));
        List<Task> started = new ArrayList<>();
        try {
            for (Map.Entry<List<String>, Integer> e : byCommand.entrySet()) {
                EcsTasks.Launch launch = new EcsTasks.Launch(
                        ecsCluster,
                        definition,
                        e.getKey(),
                        subnets,
                        groupId,
                        role == NodeRole.SCHEDULER || options.workerPublicIp(),
                        role == NodeRole.WORKER && options.spot(),
                        tags,
                        "jcloud-" + cluster.id(),
                        Instant.now().plus(ROLE_PROPAGATION));
                List<Task> batch = tasks.run(launch, e.getValue());
                started.addAll(batch);
                if (role == NodeRole.WORKER) {
                    tasks.nameWorkers(cluster, batch);
                }
            }
        } catch (RuntimeException e) {
            if (!started.isEmpty()) {
                try {
                    tasks.stop(ecsCluster, started.stream().map(Task::taskArn).toList(), "jcloud: launch failed");
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        List<Node> nodes = started.stream()
                .map(t -> EcsTasks.node(
                        cluster, t.toBuilder().tags(EcsTags.of(tags)).build()))
                .toList();
        LOG.info(
                "{}: started {} {} task(s) {}",
                cluster.name(),
                nodes.size(),
                role.label(),
                nodes.stream().map(Node::name).toList());
        return nodes;
    }

    /**
     * The engine command as it runs in a task: listening on all interfaces on the ports the
     * security group opens, and for workers pointed at the scheduler's private address (traffic
     * inside the group) and without {@code --name}, which {@link FargateTaskMain} derives from the
     * task id.
     */
    private static EngineCommand onFargate(EngineCommand command, Optional<String> schedulerAddress, boolean tls) {
        if (command.role() == NodeRole.SCHEDULER) {
            return command.onAllInterfaces(tls)
                    .with("--port", Integer.toString(ClusterSecurityGroup.SCHEDULER_PORT))
                    .with("--dashboard-port", Integer.toString(ClusterSecurityGroup.DASHBOARD_PORT));
        }
        List<String> args = command.arguments();
        EngineCommand rebuilt = EngineCommand.worker(schedulerAddress.orElse(args.get(1)));
        for (int i = 2; i + 1 < args.size(); i += 2) {
            if (!args.get(i).equals("--name")) {
                rebuilt = rebuilt.with(args.get(i), args.get(i + 1));
            }
        }
        return rebuilt.onAllInterfaces(tls);
    }

    /**
     * With TLS, the flags name the secret files (not paths, never contents): {@link FargateTaskMain}
     * fetches them from SSM with the task role into a private directory and passes their paths on.
     */
    private static EngineCommand withTls(ClusterContext cluster, EngineCommand command) {
        if (!ClusterTrust.enabled(cluster.options())) {
            return command;
        }
        String stem = command.role() == NodeRole.SCHEDULER ? "scheduler" : "worker";
        EngineCommand c = command.with(TlsFiles.CERT_FLAG, stem + ".pem")
                .with(TlsFiles.KEY_FLAG, stem + "-key.pem")
                .with(TlsFiles.CA_FLAG, "ca.pem")
                .with(TlsFiles.SERVER_NAME_FLAG, ClusterTrust.memberName(cluster.id()));
        return command.role() == NodeRole.SCHEDULER ? c.with(DashboardLogin.FLAG, DashboardLogin.FILE) : c;
    }

    /** host:port of the running scheduler task's private address, if there is one. */
    private static Optional<String> schedulerPrivateAddress(ClusterContext cluster, List<Task> alive) {
        return alive.stream()
                .filter(t -> EcsTasks.node(cluster, t).role() == NodeRole.SCHEDULER)
                .map(EcsTasks::privateAddress)
                .flatMap(Optional::stream)
                .findFirst()
                .map(a -> a + ":" + ClusterSecurityGroup.SCHEDULER_PORT);
    }

    /** The scheduler task's private address, waiting (up to a minute) until Fargate has attached its interface. */
    @Override
    public Optional<String> schedulerAddressAtLaunch(ClusterContext cluster, Node scheduler) {
        EcsTasks tasks = new EcsTasks(clients(FargateOptions.of(cluster)).ecs());
        Instant deadline = Instant.now().plus(ADDRESS_WAIT);
        Optional<String> address = Optional.empty();
        try {
            Deadlines.await("the scheduler task " + scheduler.id() + " has a private address", deadline, () -> {
                Optional<Task> t = tasks.describe(FargateNames.ecsCluster(cluster), scheduler.id());
                if (t.isEmpty() || EcsTasks.LEAVING.contains(t.get().lastStatus())) {
                    return true; // awaitScheduler reports why
                }
                return EcsTasks.privateAddress(t.get()).isPresent();
            });
            address = tasks.describe(FargateNames.ecsCluster(cluster), scheduler.id())
                    .flatMap(EcsTasks::privateAddress);
        } catch (ProvisionException e) {
            LOG.debug("{}: no private address for the scheduler yet: {}", cluster.name(), e.getMessage());
        }
        return address.map(a -> a + ":" + ClusterSecurityGroup.SCHEDULER_PORT);
    }

    /**
     * Waits until the scheduler's engine answers on its task's public address (private when it has
     * none), checked through its dashboard's metrics. Fails as soon as the task stops, with its
     * stopped reason and log tail, and at the deadline with the task's state and log tail.
     */
    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        AwsClients aws = clients(FargateOptions.of(cluster));
        EcsTasks tasks = new EcsTasks(aws.ecs());
        String ecsCluster = FargateNames.ecsCluster(cluster);
        while (true) {
            Optional<Task> task = tasks.describe(ecsCluster, scheduler.id());
            if (task.isEmpty()) {
                throw new ProvisionException(
                        "the scheduler task " + scheduler.id() + " is gone" + logOf(cluster, scheduler));
            }
            Task t = task.get();
            if (EcsTasks.LEAVING.contains(t.lastStatus()) || EcsTasks.STOPPED.equals(t.desiredStatus())) {
                throw new ProvisionException("the scheduler task " + scheduler.name() + " (" + scheduler.id() + ") is "
                        + t.lastStatus() + ": " + EcsTasks.stopReason(t) + logOf(cluster, scheduler));
            }
            String host =
                    publicAddress(aws, t).or(() -> EcsTasks.privateAddress(t)).orElse(null);
            // Asked at least once, even past the deadline: an engine that answers is not a failure.
            if (host != null && probe.answers(host)) {
                return new SchedulerEndpoint(
                        host + ":" + ClusterSecurityGroup.SCHEDULER_PORT,
                        host + ":" + ClusterSecurityGroup.DASHBOARD_PORT);
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("the scheduler " + scheduler.name() + " (" + scheduler.id()
                        + ") did not listen on " + (host == null ? "its address" : host) + ":"
                        + ClusterSecurityGroup.SCHEDULER_PORT + " in time (the task is " + t.lastStatus() + ")"
                        + logOf(cluster, scheduler));
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

    private static Optional<String> publicAddress(AwsClients aws, Task t) {
        return EcsTasks.networkInterface(t).flatMap(eni -> {
            try {
                return aws.ec2().describeNetworkInterfaces(r -> r.networkInterfaceIds(eni)).networkInterfaces().stream()
                        .filter(n -> n.association() != null && n.association().publicIp() != null)
                        .map(n -> n.association().publicIp())
                        .findFirst();
            } catch (AwsServiceException e) {
                return Optional.empty(); // the interface is being deleted: no public address to offer
            }
        });
    }

    private String logOf(ClusterContext cluster, Node node) {
        String tail = logTail(cluster, node, LOG_LINES);
        return tail.isBlank()
                ? "; its log is empty (CloudWatch Logs receives a task's output once its container runs)"
                : "; last lines of its log:\n" + tail.indent(2).stripTrailing();
    }

    /** The region's ECS clusters tagged by jcloud; the provisioner keeps those with a running scheduler task. */
    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        FargateOptions o =
                FargateOptions.of(new ClusterContext("discover", "discover", java.nio.file.Path.of("."), options));
        List<ClusterContext> out = new ArrayList<>();
        for (software.amazon.awssdk.services.ecs.model.Cluster c :
                new EcsClusters(clients(o).ecs()).all()) {
            Map<String, String> tags = EcsTags.toMap(c.tags());
            String name = tags.get(ClusterContext.NAME_TAG);
            String id = tags.get(ClusterContext.ID_TAG);
            if (name != null && id != null && "ACTIVE".equals(c.status())) {
                out.add(new ClusterContext(name, id, java.nio.file.Path.of("."), options));
            }
        }
        return out;
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        AwsClients aws = clients(FargateOptions.of(cluster));
        return new EcsTasks(aws.ecs())
                .alive(FargateNames.ecsCluster(cluster)).stream()
                        .map(t -> EcsTasks.node(cluster, t))
                        .toList();
    }

    /** Stops the tasks (only this cluster's: others are not found in its ECS cluster) and waits until they are stopped. */
    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        FargateOptions options = FargateOptions.of(cluster);
        List<String> arns = nodes.stream()
                .map(Node::id)
                .filter(id -> id.startsWith("arn:") && id.contains(":task/"))
                .distinct()
                .toList();
        new EcsTasks(clients(options).ecs())
                .stopAndWait(
                        FargateNames.ecsCluster(cluster),
                        arns,
                        "jcloud: terminated",
                        Instant.now().plus(options.aws().terminateTimeout()));
    }

    /**
     * Removes the cluster from inside its scheduler task (idle teardown by the in-cluster
     * controller): stops the workers and waits until they have stopped, deregisters the task
     * definitions, so nothing can start again, and deletes the TLS parameters. The scheduler's task stops when its process exits.
     * What a task cannot delete while it runs remains: its ECS cluster, security group (its network
     * interface still holds it), roles (it runs with one) and log group (it still writes to it) and
     * the dedicated network. None of these is billed except the log group's storage, which expires
     * with its retention; {@code jcloud cluster list/down} and {@code gc} remove them, since the
     * cluster has no scheduler any more.
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        FargateOptions options = FargateOptions.of(cluster);
        AwsClients aws = clients(options);
        EcsTasks tasks = new EcsTasks(aws.ecs());
        List<String> workers = tasks.alive(FargateNames.ecsCluster(cluster)).stream()
                .filter(t -> EcsTasks.node(cluster, t).role() == NodeRole.WORKER)
                .map(Task::taskArn)
                .toList();
        tasks.stopAndWait(
                FargateNames.ecsCluster(cluster),
                workers,
                "jcloud: cluster idle",
                Instant.now().plus(options.aws().terminateTimeout()));
        new TaskDefinitions(aws.ecs()).deregisterAll(cluster);
        new ClusterSecrets(aws.ssm()).delete(cluster); // the scheduler has read its own already
    }

    /**
     * Stops any task of the cluster still running and waits until it has stopped, then deregisters
     * the task definitions and deletes the ECS cluster, the log group, the TLS parameters, the
     * security group (retrying
     * while the tasks' network interfaces still hold it), the roles and the dedicated network. Every
     * step is tried even when an earlier one failed; the first failure is thrown at the end. Safe on
     * partial clusters and when called again.
     */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        FargateOptions options = FargateOptions.of(cluster);
        AwsClients aws = clients(options);
        Instant deadline = Instant.now().plus(options.aws().terminateTimeout());
        String ecsCluster = FargateNames.ecsCluster(cluster);
        EcsTasks tasks = new EcsTasks(aws.ecs());
        List<RuntimeException> failures = new ArrayList<>();
        step(failures, () -> tasks.stopAndWait(ecsCluster, tasks.list(ecsCluster), "jcloud: cluster down", deadline));
        step(failures, () -> new TaskDefinitions(aws.ecs()).deregisterAll(cluster));
        step(failures, () -> new EcsClusters(aws.ecs()).delete(cluster, deadline));
        step(failures, () -> new LogGroups(aws.logs()).delete(FargateNames.logGroup(cluster)));
        step(failures, () -> new ClusterSecrets(aws.ssm()).delete(cluster));
        step(failures, () -> new ClusterSecurityGroup(aws.ec2()).delete(cluster, deadline));
        step(failures, () -> new TaskRoles(aws.iam()).delete(cluster));
        step(failures, () -> new Ec2Network(aws.ec2()).deleteDedicated(cluster, deadline));
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void step(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    /** The last {@code lines} lines the task's engine container wrote to CloudWatch Logs. */
    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        if (!node.id().contains(":task/")) {
            return "";
        }
        AwsClients aws = clients(FargateOptions.of(cluster));
        return new LogGroups(aws.logs()).tail(FargateNames.logGroup(cluster), FargateNames.logStream(node.id()), lines);
    }

    /**
     * The task's whole CloudWatch log; with {@code follow}, new lines until the task has stopped
     * (or the caller closes the stream).
     */
    @Override
    public java.util.stream.Stream<String> logs(ClusterContext cluster, Node node, boolean follow) {
        if (!node.id().contains(":task/")) {
            return java.util.stream.Stream.empty();
        }
        AwsClients aws = clients(FargateOptions.of(cluster));
        EcsTasks tasks = new EcsTasks(aws.ecs());
        String ecsCluster = FargateNames.ecsCluster(cluster);
        return new LogGroups(aws.logs())
                .messages(
                        FargateNames.logGroup(cluster),
                        FargateNames.logStream(node.id()),
                        follow,
                        () -> tasks.describe(ecsCluster, node.id())
                                .map(t -> !EcsTasks.STOPPED.equals(t.lastStatus()))
                                .orElse(false),
                        Duration.ofSeconds(2));
    }

    /**
     * Finds resources tagged by jcloud's Fargate provider in the region of {@code options} whose
     * cluster has no running scheduler task, and (unless {@code dryRun}) deletes them. Resources
     * younger than {@code minAge} are left alone: a cluster being created has shared resources
     * before its scheduler starts.
     */
    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        return new FargateGarbageCollector(this).collect(options, dryRun, minAge);
    }

    AwsClients clients(FargateOptions options) {
        return clients.computeIfAbsent(options.aws().region(), factory::create);
    }

    private Identity identity(FargateOptions options, AwsClients aws) {
        return identities.computeIfAbsent(options.aws().region(), r -> {
            String arn = aws.sts().getCallerIdentity().arn();
            String[] parts = arn.split(":");
            return new Identity(arn, parts[1], parts[4]);
        });
    }

    private static Map<String, String> sharedTags(ClusterContext cluster, FargateOptions options, Identity who) {
        Map<String, String> tags = new LinkedHashMap<>(Tags.of(cluster, options.aws(), who.arn()));
        tags.put(FargateNames.PROVIDER_TAG, FargateNames.PROVIDER);
        tags.put(Tags.CREATED, Long.toString(Instant.now().getEpochSecond()));
        return tags;
    }

    /** Who the SDK's credentials belong to. */
    private record Identity(String arn, String partition, String account) {}
}
