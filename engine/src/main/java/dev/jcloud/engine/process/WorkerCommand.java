package dev.jcloud.engine.process;

import dev.jcloud.config.ByteSize;
import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code worker ADDRESS}: runs a worker in this process until it is retired or loses its scheduler,
 * with the options its flags give ({@link #ROLE}); {@code args} are those flags as given, for the
 * replacement a memory restart starts.
 */
public record WorkerCommand(
        String schedulerAddress,
        int nthreads,
        String memoryLimit,
        String name,
        Map<String, String> resources,
        String deathTimeout,
        String host,
        String advertiseHost,
        int port,
        int bulkPort,
        Path localDirectory,
        double spill,
        double pause,
        double terminate,
        Path interruptionFile,
        String retireAt,
        int memoryRestarts,
        TlsOptions tls,
        Path joinTokenFile,
        List<String> args)
        implements Callable<Integer> {

    /** The role's flags, for this process's parser and for the {@code jcloud worker} command. */
    public static final ProcessFlags.Role ROLE = new ProcessFlags.Role(
            "worker",
            "Run a worker (the role of dask-worker) that joins the scheduler at ADDRESS.",
            "ADDRESS",
            "The scheduler, host:port.",
            flags());

    private static List<ProcessFlags.Flag> flags() {
        List<ProcessFlags.Flag> f = new ArrayList<>(List.of(
                new ProcessFlags.Flag("--nthreads", "N", "0", "Task threads, 0 = one per core."),
                new ProcessFlags.Flag(
                        "--memory-limit",
                        "SIZE",
                        "auto",
                        "Memory this worker may use, e.g. 4GiB; auto = the JVM's maximum heap."),
                new ProcessFlags.Flag("--name", "NAME", null, "Unique worker name (default: host-pid)."),
                new ProcessFlags.Flag(
                        "--resources",
                        "NAME=AMOUNT",
                        null,
                        "Abstract resources this worker offers, separated by commas, e.g. GPU=1,MEM=4."),
                new ProcessFlags.Flag(
                        "--death-timeout",
                        "DURATION",
                        "60s",
                        "Exit after failing to reach the scheduler for this long, 0 = never."),
                new ProcessFlags.Flag("--host", "HOST", "0.0.0.0", "Interface for the data service."),
                new ProcessFlags.Flag(
                        "--advertise-host",
                        "HOST",
                        null,
                        "Address peers use to reach this worker (default: a local address)."),
                new ProcessFlags.Flag("--port", "PORT", "0", "Data service port, 0 = any free port."),
                new ProcessFlags.Flag(
                        "--bulk-port",
                        "PORT",
                        "0",
                        "Bulk data port (results and scattered values for ticket holders of the data"
                                + " service; TLS on TLS clusters), 0 = any free port."),
                new ProcessFlags.Flag(
                        "--local-directory", "DIR", null, "Where spilled results go (default: a temporary directory)."),
                new ProcessFlags.Flag(
                        "--memory-spill", "FRACTION", "0.6", "Spill results to disk above this fraction."),
                new ProcessFlags.Flag("--memory-pause", "FRACTION", "0.8", "Stop starting tasks above this fraction."),
                new ProcessFlags.Flag("--memory-terminate", "FRACTION", "0.95", "Exit above this fraction."),
                new ProcessFlags.Flag(
                        "--interruption-file",
                        "FILE",
                        null,
                        "Retire gracefully (results move to other workers) once this file exists: written by the"
                                + " machine's boot script when the cloud announces a spot interruption."),
                new ProcessFlags.Flag(
                        "--retire-at",
                        "WHEN",
                        null,
                        "When this worker's platform ends it (a batch job's walltime less a margin), in epoch seconds"
                                + " or ISO-8601: it retires gracefully then, and is given no task expected to run past"
                                + " it."),
                new ProcessFlags.Flag(
                        WorkerRestart.OPTION,
                        "N",
                        "0",
                        "Start a fresh worker in this one's place when it exits at the memory limit, at most N"
                                + " times (the restart a nanny gives Dask's workers); 0 = exit for good.")));
        f.addAll(TlsOptions.FLAGS);
        f.add(JoinTokenOption.SPEC);
        return List.copyOf(f);
    }

    /** The command its flags ask for (after the role's name). */
    public static WorkerCommand parse(List<String> args) {
        return from(ProcessFlags.parse(ROLE, args));
    }

    static WorkerCommand from(ProcessFlags p) {
        return new WorkerCommand(
                p.word(),
                p.integer("--nthreads"),
                p.string("--memory-limit"),
                p.string("--name"),
                p.pairs("--resources"),
                p.string("--death-timeout"),
                p.string("--host"),
                p.string("--advertise-host"),
                p.integer("--port"),
                p.integer("--bulk-port"),
                p.path("--local-directory"),
                p.decimal("--memory-spill"),
                p.decimal("--memory-pause"),
                p.decimal("--memory-terminate"),
                p.path("--interruption-file"),
                p.string("--retire-at"),
                p.integer(WorkerRestart.OPTION),
                TlsOptions.from(p),
                p.path(JoinTokenOption.FLAG),
                p.original());
    }

    @Override
    public Integer call() throws Exception {
        ProcessArgs.checkAddress("ADDRESS", schedulerAddress);
        ProcessArgs.checkPort("--port", port, 0);
        ProcessArgs.checkPort("--bulk-port", bulkPort, 0);
        var token = JoinTokenOption.token(joinTokenFile, tls);
        PlaintextExposure.check(
                "worker's data service",
                "read the results it holds",
                host,
                port,
                token != null || tls.given(),
                tls.insecure());
        TransportSecurity security = token != null ? null : tls.security();
        if (nthreads < 0) {
            throw new IllegalArgumentException("--nthreads must be >= 0 (was " + nthreads + ")");
        }
        int threads = nthreads == 0 ? Runtime.getRuntime().availableProcessors() : nthreads;
        long limit = memoryLimit.equalsIgnoreCase("auto")
                ? Runtime.getRuntime().maxMemory()
                : ProcessArgs.size("--memory-limit", memoryLimit);
        long pid = ProcessHandle.current().pid();
        String workerName = name != null ? name : ProcessArgs.localHostName() + "-" + pid;
        Path dir = localDirectory != null ? localDirectory : Files.createTempDirectory("jcloud-worker-");
        String advertise = advertiseHost != null ? advertiseHost : ProcessArgs.advertiseHost(host, schedulerAddress);
        WorkerOptions options = new WorkerOptions(
                schedulerAddress,
                host,
                advertise,
                port,
                threads,
                limit,
                workerName,
                ProcessArgs.resources("--resources", resources),
                ProcessArgs.duration("--death-timeout", deathTimeout),
                dir,
                spill,
                pause,
                terminate,
                bulkPort,
                retireAt == null ? null : ProcessArgs.instant("--retire-at", retireAt));
        while (true) {
            if (token != null) {
                // Machines of a fixed cluster boot together: keep trying as long as a worker would wait
                // for its scheduler anyway.
                Duration death = ProcessArgs.duration("--death-timeout", deathTimeout);
                security = Joiner.join(
                                schedulerAddress,
                                token,
                                JoinProtocol.ROLE_WORKER,
                                JoinProtocol.requestName(workerName),
                                death.isZero() ? Duration.ofDays(3650) : death)
                        .security();
            }
            int code = run(options, security, token != null, workerName, pid, threads, limit);
            if (code != WorkerServer.EXIT_REJOIN) {
                return code;
            }
            // A restarted scheduler made a new cluster CA: join again with the token for new certificates.
        }
    }

    private int run(
            WorkerOptions options,
            TransportSecurity security,
            boolean joined,
            String workerName,
            long pid,
            int threads,
            long limit)
            throws Exception {
        try (WorkerServer worker = WorkerServer.start(options, security)) {
            worker.rejoinWhenDistrusted(joined);
            if (interruptionFile != null) {
                worker.retireWhenExists(interruptionFile);
            }
            System.out.println("worker " + workerName + " (pid " + pid + ", " + threads + " threads, "
                    + ByteSize.ofBytes(limit) + ") joining " + schedulerAddress);
            int code = worker.awaitExit();
            if (code == WorkerServer.EXIT_MEMORY && memoryRestarts > 0) {
                Process next = WorkerRestart.start(args, memoryRestarts - 1);
                System.out.println("worker " + workerName + ": started a fresh worker in its place (pid " + next.pid()
                        + ", " + (memoryRestarts - 1) + " restarts left)");
            }
            return code;
        }
    }
}
