package dev.jcloud.providers.batch;

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
import dev.jcloud.provisioner.ResourceUsage;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.WaitingNode;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster on a batch system: the scheduler on the submitting (login) node as a detached process
 * (or in a job of its own with {@code scheduler-in-job}), the workers as job arrays, one element
 * per worker. The batch system's job list is the truth: every job's name carries the cluster id
 * ({@link JobNames}), so {@code nodes}, {@code discover}, {@code gc} and {@code down} work from any
 * login shell of the user. Job scripts, logs, certificates and the scheduler's address live in the
 * cluster's directory on the shared file system ({@link SharedDirectory}).
 *
 * <p>The systems differ only in their {@link BatchSystem}: Slurm, Grid Engine and PBS are the
 * three providers of this module.
 */
public abstract class BatchProvider implements CloudProvider {

    private static final Logger LOG = LoggerFactory.getLogger(BatchProvider.class);
    private static final Duration GONE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(500);

    private final BatchSystem system;
    private final Commands commands;
    /** Pending jobs already reported as pending too long, so each is reported once. */
    private final Set<String> reportedPending = ConcurrentHashMap.newKeySet();
    /** Core-hours of each cluster this provider was asked about, by cluster id. */
    private final Map<String, UsageMeter> meters = new ConcurrentHashMap<>();

    BatchProvider(BatchSystem system, String installHint) {
        this.system = system;
        this.commands = new Commands(installHint);
    }

    @Override
    public String name() {
        return system.name();
    }

    @Override
    public List<SettingsSection> settings() {
        return List.of(system.settings().section);
    }

    /** A job waits in a queue and then starts a JVM: half a minute before the controller has measured it. */
    @Override
    public Duration typicalBootTime() {
        return Duration.ofSeconds(30);
    }

    // ------------------------------------------------------------------ checks and plan

    BatchOptions options(ClusterContext cluster) {
        return BatchOptions.read(system.settings(), cluster.options());
    }

    SharedDirectory directory(ClusterContext cluster, BatchOptions o) {
        return new SharedDirectory(o.sharedDir(), cluster.id());
    }

    JobScripts scripts(ClusterContext cluster, BatchOptions o) {
        return new JobScripts(system, cluster, o, directory(cluster, o).path());
    }

    /** Batch systems have no resources Terraform manages; the dry run shows what would be submitted. */
    @Override
    public Optional<String> capabilityAbsence(Class<?> type) {
        return type.getSimpleName().equals("TerraformExport")
                ? Optional.of("a batch system has no resources for Terraform to manage: 'jcloud cluster up --provider "
                        + name() + " ... --dry-run' prints the exact job scripts instead")
                : Optional.empty();
    }

    @Override
    public void validate(ClusterContext cluster) {
        options(cluster);
    }

    /**
     * The exact job scripts {@code up} submits (the cluster id of the plan differs from the one
     * {@code up} draws), the commands that submit them, and what is made on the shared file system.
     */
    @Override
    public List<UpPlan.Step> plan(ClusterContext cluster, int workers) {
        BatchOptions o = options(cluster);
        new WorkerJobLimits(system.settings(), o, 0, 0)
                .refusal(cluster.name(), workers)
                .ifPresent(why -> {
                    throw new IllegalArgumentException(why);
                });
        SharedDirectory dir = directory(cluster, o);
        JobScripts scripts = scripts(cluster, o);
        UpPlan.Builder plan = new UpPlan.Builder()
                .check(system.name() + " and the job scripts", verifyText(dir), "")
                .create(
                        "cluster directory " + dir.path(),
                        "none (files on the shared file system)",
                        "job scripts, engine flags, logs, the scheduler's address");
        if (ClusterTrust.enabled(cluster.options())) {
            plan.create(
                    "the cluster's CA, certificates and dashboard token in " + dir.tls(),
                    "none (files)",
                    "keys 0600 in a 0700 directory");
        }
        if (o.schedulerInJob()) {
            plan.launch(
                    "scheduler job " + JobNames.of(cluster.id(), NodeRole.SCHEDULER, cluster.name()),
                    String.join(" ", system.submit(dir.schedulerScript(), Optional.empty())),
                    scripts.scheduler());
        } else {
            plan.launch(
                    "scheduler process on this (login) node",
                    scripts.java(NodeRole.SCHEDULER) + " ... (detached, setsid)",
                    "writes its address to " + dir.addressFile());
        }
        if (workers > 0) {
            plan.launch(
                    workers + " worker(s) as one job array "
                            + JobNames.of(cluster.id(), NodeRole.WORKER, cluster.name()),
                    String.join(" ", system.submit(dir.workerScript(), Optional.of(new int[] {1, workers}))),
                    scripts.worker());
        }
        return plan.steps();
    }

    private String verifyText(SharedDirectory dir) {
        return system.verify(dir.workerScript(), Optional.of(new int[] {1, 1}))
                .map(c -> String.join(" ", c) + " (no job is queued)")
                .orElse(String.join(" ", system.ping()) + " (" + system.name() + " has no test submission)");
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Checks that the batch system answers, writes the cluster's directory and job scripts, and has
     * the system check the scripts without queueing them ({@code sbatch --test-only},
     * {@code qsub -w v}): an invalid partition, account, QOS or a walltime above the partition's
     * limit fails here, before any job waits in a queue.
     */
    @Override
    public void bootstrap(ClusterContext cluster) {
        BatchOptions o = options(cluster);
        ping();
        SharedDirectory dir = directory(cluster, o);
        dir.create(cluster);
        if (ClusterTrust.enabled(cluster.options())) {
            dir.ensureTrust(cluster);
        }
        JobScripts scripts = scripts(cluster, o);
        dir.write(JobScripts.WORKER_SCRIPT, scripts.worker());
        verify(dir.workerScript(), Optional.of(new int[] {1, 1}), "the worker job");
        if (o.schedulerInJob()) {
            dir.write(JobScripts.SCHEDULER_SCRIPT, scripts.scheduler());
            verify(dir.schedulerScript(), Optional.empty(), "the scheduler job");
        }
    }

    private void ping() {
        Commands.Result r;
        try {
            r = commands.run(system.ping());
        } catch (ProvisionException e) {
            throw new ProvisionException(system.name() + " does not answer: " + e.getMessage(), e);
        }
        if (!r.ok()) {
            throw new ProvisionException(system.name() + " does not answer: " + String.join(" ", system.ping())
                    + " exited with " + r.code()
                    + (r.text().isEmpty() ? "" : ":\n" + r.text().indent(2).stripTrailing()));
        }
    }

    private void verify(java.nio.file.Path script, Optional<int[]> array, String what) {
        Optional<List<String>> cmd = system.verify(script, array);
        if (cmd.isEmpty()) {
            return;
        }
        Commands.Result r = commands.run(cmd.get());
        if (!r.ok()) {
            throw new IllegalArgumentException(system.name() + " refuses " + what + " (" + String.join(" ", cmd.get())
                    + "): "
                    + r.text()
                            .lines()
                            .filter(l -> !l.isBlank())
                            .reduce((a, b) -> a + "; " + b)
                            .orElse("")
                    + " — check " + flags());
        }
    }

    private String flags() {
        BatchSettings s = system.settings();
        List<String> names = new ArrayList<>();
        names.add(BatchSettings.named(s.queue));
        names.add(BatchSettings.named(s.account));
        if (s.qos != null) {
            names.add(BatchSettings.named(s.qos));
        }
        if (s.pe != null) {
            names.add(BatchSettings.named(s.pe));
        }
        if (s.select != null) {
            names.add(BatchSettings.named(s.select));
        }
        names.add(BatchSettings.named(s.walltime));
        names.add(BatchSettings.named(s.cores));
        names.add(BatchSettings.named(s.memory));
        names.add(BatchSettings.named(s.jobExtra));
        return String.join(", ", names);
    }

    @Override
    public List<Node> launch(ClusterContext cluster, LaunchRequest request) {
        BatchOptions o = options(cluster);
        SharedDirectory dir = directory(cluster, o);
        dir.create(cluster);
        JobScripts scripts = scripts(cluster, o);
        return request.role() == NodeRole.SCHEDULER
                ? List.of(launchScheduler(
                        cluster, o, dir, scripts, request.nodes().get(0)))
                : launchWorkers(cluster, o, dir, scripts, request.nodes());
    }

    private Node launchScheduler(
            ClusterContext cluster,
            BatchOptions o,
            SharedDirectory dir,
            JobScripts scripts,
            LaunchRequest.NodeLaunch n) {
        boolean tls = ClusterTrust.enabled(cluster.options());
        EngineCommand command = n.command()
                .onAllInterfaces(tls)
                .with("--port", "0")
                .with("--dashboard-port", "0")
                .with("--address-file", dir.addressFile().toString());
        if (tls) {
            command = ClusterTrust.files(dir.tls(), "scheduler")
                    .applyTo(command)
                    .with(
                            DashboardLogin.FLAG,
                            dir.tls().resolve(DashboardLogin.FILE).toString());
        }
        dir.writeBytes(JobScripts.SCHEDULER_ARGS, JobScripts.argsFile(command));
        if (o.schedulerInJob()) {
            dir.write(JobScripts.SCHEDULER_SCRIPT, scripts.scheduler());
            String id = submit(dir.schedulerScript(), Optional.empty(), "submitting the scheduler job");
            return new Node(id, n.name(), NodeRole.SCHEDULER);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(o.java());
        cmd.addAll(scripts.jvmOptions(NodeRole.SCHEDULER));
        cmd.addAll(command.arguments());
        String id = LoginScheduler.start(cmd, dir.log("scheduler.log"));
        dir.write(SharedDirectory.LOGIN_SCHEDULER, id + "\n");
        return new Node(id, n.name(), NodeRole.SCHEDULER);
    }

    private List<Node> launchWorkers(
            ClusterContext cluster,
            BatchOptions o,
            SharedDirectory dir,
            JobScripts scripts,
            List<LaunchRequest.NodeLaunch> launches) {
        if (launches.isEmpty()) {
            return List.of();
        }
        WorkerJobLimits limits = WorkerJobLimits.of(system.settings(), o, cluster.id(), jobs());
        Optional<String> refused = limits.refusal(cluster.name(), launches.size());
        if (refused.isPresent()) {
            throw new ProvisionException(refused.get());
        }
        boolean tls = ClusterTrust.enabled(cluster.options());
        EngineCommand command = launches.get(0).command().onAllInterfaces(tls);
        if (tls) {
            command = ClusterTrust.files(dir.tls(), "worker").applyTo(command);
        }
        dir.writeBytes(JobScripts.WORKER_ARGS, JobScripts.argsFile(command));
        dir.write(JobScripts.WORKER_SCRIPT, scripts.worker());
        // Elements are worker index + 1; consecutive indexes go in one array submission.
        List<int[]> runs = new ArrayList<>();
        Map<Integer, String> names = new LinkedHashMap<>();
        for (LaunchRequest.NodeLaunch n : launches) {
            int element = index(cluster.name(), n.name()) + 1;
            names.put(element, n.name());
            dir.claim(element);
            int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[1] + 1 == element) {
                last[1] = element;
            } else {
                runs.add(new int[] {element, element});
            }
        }
        List<Node> out = new ArrayList<>();
        for (int[] run : runs) {
            String id = submit(dir.workerScript(), Optional.of(run), "submitting worker jobs");
            for (int e = run[0]; e <= run[1]; e++) {
                out.add(new Node(id + "_" + e, names.get(e), NodeRole.WORKER));
            }
        }
        return out;
    }

    private static int index(String cluster, String workerName) {
        String prefix = ClusterNames.worker(cluster, 0);
        prefix = prefix.substring(0, prefix.length() - 1);
        if (!workerName.startsWith(prefix)) {
            throw new IllegalArgumentException("not a worker of " + cluster + ": " + workerName);
        }
        return Integer.parseInt(workerName.substring(prefix.length()));
    }

    private String submit(java.nio.file.Path script, Optional<int[]> array, String what) {
        String out;
        try {
            out = commands.check(
                    system.submit(script, array),
                    Map.of("JCLOUD_SUBMITTED", Long.toString(Instant.now().getEpochSecond())),
                    what);
        } catch (ProvisionException e) {
            throw new ProvisionException(e.getMessage() + "\n(check " + flags() + ")", e);
        }
        return system.submittedId(out);
    }

    /**
     * The start-up the controller measured (queue wait and JVM start) reaches the job scripts'
     * timers through the shared directory: replacements are submitted at least this far ahead.
     */
    @Override
    public void startupMeasured(ClusterContext cluster, Duration startup) {
        SharedDirectory dir = directory(cluster, options(cluster));
        if (dir.exists()) {
            dir.write(JobScripts.STARTUP_FILE, startup.toSeconds() + "\n");
        }
    }

    /**
     * Core-hours from the batch system's accounting ({@code sacct}) where it keeps one, else
     * elapsed time times cores of the cluster's jobs as the job list shows them; the source says
     * which.
     */
    @Override
    public Optional<ResourceUsage> usage(ClusterContext cluster) {
        BatchOptions o = options(cluster);
        UsageMeter meter = meters.computeIfAbsent(cluster.id(), UsageMeter::new);
        String user = System.getProperty("user.name");
        Optional<List<String>> accounting = system.accounting(user);
        if (accounting.isPresent()) {
            Commands.Result r = commands.run(accounting.get());
            if (r.ok()) {
                Optional<ResourceUsage> accounted = meter.fromAccounting(
                        system.parseAccounting(r.out()),
                        system.name() + " accounting (" + accounting.get().get(0) + ")");
                if (accounted.isPresent()) {
                    return accounted;
                }
            } else {
                LOG.debug(
                        "{} is unavailable ({}); counting from the job list",
                        accounting.get().get(0),
                        r.text());
            }
        }
        List<String> list = system.list(user);
        return Optional.of(meter.fromListing(
                jobs(),
                o.cores(),
                Instant.now(),
                list.get(0) + " (elapsed time x cores of the cluster's jobs; " + system.name()
                        + " accounting not available)"));
    }

    /** As many of {@code wanted} as the cluster's caps on pending and running worker jobs leave room for now. */
    @Override
    public int launchableWorkers(ClusterContext cluster, int wanted) {
        BatchOptions o = options(cluster);
        return Math.min(
                wanted,
                WorkerJobLimits.of(system.settings(), o, cluster.id(), jobs()).room());
    }

    @Override
    public SchedulerEndpoint awaitScheduler(ClusterContext cluster, Node scheduler, Instant deadline) {
        BatchOptions o = options(cluster);
        SharedDirectory dir = directory(cluster, o);
        while (true) {
            Optional<SchedulerEndpoint> endpoint = dir.address();
            Optional<Job> job = Optional.empty();
            boolean alive;
            if (LoginScheduler.isLoginNode(scheduler.id())) {
                alive = LoginScheduler.alive(scheduler.id(), cluster.id()).orElse(true);
            } else {
                job = jobs().stream().filter(j -> j.id().equals(scheduler.id())).findFirst();
                alive = job.isPresent() && job.get().state() != Job.State.ENDING;
            }
            if (endpoint.isPresent() && alive) {
                return endpoint.get();
            }
            if (!alive) {
                throw new ProvisionException(
                        "the scheduler (" + scheduler.id() + ") ended before listening" + tail(cluster, scheduler));
            }
            if (!Instant.now().isBefore(deadline)) {
                String state = job.map(j -> "; its job is " + j.state().name().toLowerCase(java.util.Locale.ROOT)
                                + (j.reason().isEmpty() ? "" : " (" + j.reason() + ")"))
                        .orElse("");
                throw new ProvisionException("the scheduler (" + scheduler.id() + ") did not listen in time" + state
                        + tail(cluster, scheduler));
            }
            sleep(POLL);
        }
    }

    @Override
    public List<Node> nodes(ClusterContext cluster) {
        BatchOptions o = options(cluster);
        List<Node> out = new ArrayList<>();
        for (Job job : jobs()) {
            Optional<JobNames.Parsed> p = JobNames.parse(job.name());
            if (p.isEmpty() || !p.get().clusterId().equals(cluster.id())) {
                continue;
            }
            out.add(node(cluster.name(), job, p.get()));
            reportLongPending(cluster, o, job);
        }
        SharedDirectory dir = directory(cluster, o);
        if (ClusterTrust.enabled(cluster.options()) && dir.exists()) {
            // Another login shell of the same user: the client's certificates are on the shared file system.
            dir.copyClientFiles(cluster);
        }
        dir.loginScheduler().ifPresent(id -> {
            if (LoginScheduler.alive(id, cluster.id())
                    .orElseGet(() -> directory(cluster, o).answers())) {
                out.add(new Node(id, ClusterNames.scheduler(cluster.name()), NodeRole.SCHEDULER));
            }
        });
        return out;
    }

    /** The cluster's pending jobs, each with the batch system's reason. */
    @Override
    public List<WaitingNode> waitingNodes(ClusterContext cluster) {
        List<WaitingNode> out = new ArrayList<>();
        for (Job job : jobs()) {
            Optional<JobNames.Parsed> p = JobNames.parse(job.name());
            if (job.state() == Job.State.PENDING
                    && p.isPresent()
                    && p.get().clusterId().equals(cluster.id())) {
                out.add(new WaitingNode(
                        node(cluster.name(), job, p.get()),
                        system.name() + " job " + job.id() + ": pending"
                                + (job.reason().isEmpty() ? "" : ", " + job.reason())));
            }
        }
        return out;
    }

    private static Node node(String clusterName, Job job, JobNames.Parsed p) {
        if (p.role() == NodeRole.SCHEDULER) {
            return new Node(job.id(), ClusterNames.scheduler(clusterName), NodeRole.SCHEDULER);
        }
        int element = job.task() >= 0 ? job.task() : p.element();
        String id = job.task() >= 0 ? job.id() : job.id() + "_" + element;
        return new Node(id, ClusterNames.worker(clusterName, element - 1), NodeRole.WORKER);
    }

    /** A job pending longer than the limit is reported once, with the batch system's reason. */
    private void reportLongPending(ClusterContext cluster, BatchOptions o, Job job) {
        if (job.state() != Job.State.PENDING || job.submitted() == null) {
            return;
        }
        Duration waited = Duration.between(job.submitted(), Instant.now());
        if (waited.compareTo(o.pendingLimit()) > 0 && reportedPending.add(job.id())) {
            LOG.warn(
                    "{}: job {} of cluster {} has been pending for {} (longer than {}): {}",
                    system.name(),
                    job.id(),
                    cluster.name(),
                    BatchOptions.Durations.text(waited.withNanos(0)),
                    BatchOptions.Durations.text(o.pendingLimit()),
                    job.reason().isEmpty() ? "no reason given" : job.reason());
        }
    }

    /** The user's jobs, as the batch system lists them now. */
    List<Job> jobs() {
        return system.parse(commands.check(system.list(System.getProperty("user.name")), Map.of(), "listing jobs"));
    }

    /** Cancels jobs, pending ones first, stops a login scheduler, and waits until the jobs have left the list. */
    @Override
    public void terminate(ClusterContext cluster, Collection<Node> nodes) {
        Map<String, Job> listed = new HashMap<>();
        jobs().forEach(j -> listed.put(j.id(), j));
        List<String> pending = new ArrayList<>();
        List<String> others = new ArrayList<>();
        List<String> login = new ArrayList<>();
        for (Node n : nodes) {
            if (LoginScheduler.isLoginNode(n.id())) {
                login.add(n.id());
                continue;
            }
            Job j = listed.get(n.id());
            if (j == null) {
                continue; // gone already
            }
            (j.state() == Job.State.PENDING ? pending : others).add(n.id());
        }
        // Pending first: a pending job cancelled late may start meanwhile.
        cancel(pending);
        cancel(others);
        for (String id : login) {
            LoginScheduler.stop(id, cluster.id());
        }
        List<String> cancelled = new ArrayList<>(pending);
        cancelled.addAll(others);
        awaitGone(cancelled);
    }

    private void cancel(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        for (List<String> cmd : system.cancel(ids)) {
            Commands.Result r = commands.run(cmd);
            if (!r.ok()) {
                // A job that ended meanwhile is refused as unknown; anything left shows in the wait below.
                LOG.debug("{} exited with {}: {}", String.join(" ", cmd), r.code(), r.text());
            }
        }
    }

    private void awaitGone(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Instant deadline = Instant.now().plus(GONE_TIMEOUT);
        while (true) {
            Set<String> left = new java.util.HashSet<>();
            jobs().forEach(j -> left.add(j.id()));
            left.retainAll(ids);
            if (left.isEmpty()) {
                return;
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new ProvisionException("jobs " + left + " were still listed " + GONE_TIMEOUT.toSeconds()
                        + "s after they were cancelled");
            }
            sleep(POLL);
        }
    }

    /** Stops replacements and deletes the cluster's directory (scripts, logs, certificates). */
    @Override
    public void deleteSharedResources(ClusterContext cluster) {
        SharedDirectory dir = directory(cluster, options(cluster));
        dir.markStopping();
        dir.delete();
    }

    /**
     * Idle teardown from the scheduler: no more replacements, every worker job cancelled (pending
     * first); the scheduler's own job ends as its process exits.
     */
    @Override
    public void teardownFromScheduler(ClusterContext cluster) {
        directory(cluster, options(cluster)).markStopping();
        List<Node> workers =
                nodes(cluster).stream().filter(n -> n.role() == NodeRole.WORKER).toList();
        if (!workers.isEmpty()) {
            terminate(cluster, workers);
        }
    }

    // ------------------------------------------------------------------ from any login shell

    /** The clusters of this user with a live scheduler: jobs by their names, login schedulers by the shared directory. */
    @Override
    public List<ClusterContext> discover(Map<String, String> options) {
        BatchOptions o = BatchOptions.read(system.settings(), options);
        Map<String, ClusterContext> found = new LinkedHashMap<>();
        Map<String, String> names = new HashMap<>();
        for (Job j : jobs()) {
            JobNames.parse(j.name()).ifPresent(p -> names.putIfAbsent(p.clusterId(), p.clusterName()));
        }
        for (SharedDirectory dir : SharedDirectory.all(o.sharedDir())) {
            dir.context().ifPresent(ctx -> names.putIfAbsent(ctx.id(), ctx.name()));
        }
        names.forEach((id, name) -> {
            SharedDirectory dir = new SharedDirectory(o.sharedDir(), id);
            ClusterContext ctx = dir.context().orElseGet(() -> new ClusterContext(name, id, dir.path(), options));
            if (nodes(ctx).stream().anyMatch(n -> n.role() == NodeRole.SCHEDULER)) {
                found.put(id, ctx);
            }
        });
        return List.copyOf(found.values());
    }

    /**
     * Jobs and directories of clusters whose scheduler is gone: its job ended, or its login process
     * died (on this host; a scheduler on another login node that answers on its port is alive).
     */
    @Override
    public GcReport gc(Map<String, String> options, boolean dryRun, Duration minAge) {
        BatchOptions o = BatchOptions.read(system.settings(), options);
        Instant youngest = Instant.now().minus(minAge);
        Map<String, List<Job>> byCluster = new LinkedHashMap<>();
        Map<String, String> names = new HashMap<>();
        Set<String> liveSchedulerJobs = new java.util.HashSet<>();
        for (Job j : jobs()) {
            Optional<JobNames.Parsed> p = JobNames.parse(j.name());
            if (p.isEmpty()) {
                continue;
            }
            names.put(p.get().clusterId(), p.get().clusterName());
            byCluster
                    .computeIfAbsent(p.get().clusterId(), k -> new ArrayList<>())
                    .add(j);
            if (p.get().role() == NodeRole.SCHEDULER && j.state() != Job.State.ENDING) {
                liveSchedulerJobs.add(p.get().clusterId());
            }
        }
        List<GcReport.Item> items = new ArrayList<>();
        List<String> doomedJobs = new ArrayList<>();
        List<SharedDirectory> doomedDirs = new ArrayList<>();
        for (SharedDirectory dir : SharedDirectory.all(o.sharedDir())) {
            byCluster.putIfAbsent(dir.id(), new ArrayList<>());
            dir.context().ifPresent(c -> names.putIfAbsent(c.id(), c.name()));
        }
        for (Map.Entry<String, List<Job>> e : byCluster.entrySet()) {
            String id = e.getKey();
            SharedDirectory dir = new SharedDirectory(o.sharedDir(), id);
            if (liveSchedulerJobs.contains(id) || !dir.exists()) {
                continue; // alive, or its directory is elsewhere: not ours to judge
            }
            Optional<String> login = dir.loginScheduler();
            if (login.isPresent() && LoginScheduler.alive(login.get(), id).orElseGet(dir::answers)) {
                continue;
            }
            String name = names.getOrDefault(id, "?");
            boolean old = !dir.modified().isAfter(youngest);
            for (Job j : e.getValue()) {
                if (j.submitted() == null ? old : !j.submitted().isAfter(youngest)) {
                    items.add(new GcReport.Item(name, id, "job", j.id()));
                    doomedJobs.add(j.id());
                }
            }
            if (old) {
                items.add(new GcReport.Item(name, id, "directory", dir.path().toString()));
                doomedDirs.add(dir);
            }
        }
        if (!dryRun) {
            doomedDirs.forEach(SharedDirectory::markStopping);
            cancel(doomedJobs);
            awaitGone(doomedJobs);
            doomedDirs.forEach(SharedDirectory::delete);
        }
        return new GcReport(items, !dryRun);
    }

    // ------------------------------------------------------------------ logs

    @Override
    public String logTail(ClusterContext cluster, Node node, int lines) {
        SharedDirectory dir = directory(cluster, options(cluster));
        String log = node.role() == NodeRole.SCHEDULER
                ? dir.tail("scheduler.log", lines)
                : dir.tail("worker-" + node.id() + ".log", lines);
        Optional<Job> job = LoginScheduler.isLoginNode(node.id())
                ? Optional.empty()
                : jobs().stream().filter(j -> j.id().equals(node.id())).findFirst();
        String state = job.map(j -> "(" + system.name() + ": job " + j.id() + " is "
                        + j.state().name().toLowerCase(java.util.Locale.ROOT)
                        + (j.reason().isEmpty() ? "" : ", reason: " + j.reason())
                        + (j.submitted() == null
                                ? ""
                                : ", submitted "
                                        + BatchOptions.Durations.text(Duration.between(j.submitted(), Instant.now())
                                                .withNanos(0))
                                        + " ago")
                        + ")")
                .orElse("");
        return (log + (log.isEmpty() || state.isEmpty() ? "" : "\n") + state).strip();
    }

    private String tail(ClusterContext cluster, Node node) {
        String t = logTail(cluster, node, 20);
        return t.isBlank()
                ? "; its log is empty"
                : "; last lines of its log:\n" + t.indent(2).stripTrailing();
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
