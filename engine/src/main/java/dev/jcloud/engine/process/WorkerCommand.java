package dev.jcloud.engine.process;

import dev.jcloud.config.ByteSize;
import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Mixin;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Option;
import dev.jcloud.picocli.CommandLine.Parameters;
import dev.jcloud.picocli.CommandLine.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jcloud worker ADDRESS}: runs a worker in this process until it is retired or loses its scheduler. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = "Run a worker (the role of dask-worker) that joins the scheduler at ADDRESS.")
public final class WorkerCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ADDRESS", description = "The scheduler, host:port.")
    String schedulerAddress;

    @Option(names = "--nthreads", defaultValue = "0", description = "Task threads, 0 = one per core (default).")
    int nthreads;

    @Option(
            names = "--memory-limit",
            defaultValue = "auto",
            description = "Memory this worker may use, e.g. 4GiB; auto = the JVM's maximum heap (default).")
    String memoryLimit;

    @Option(names = "--name", description = "Unique worker name (default: host-pid).")
    String name;

    @Option(
            names = "--resources",
            split = ",",
            paramLabel = "NAME=AMOUNT",
            description = "Abstract resources this worker offers, e.g. GPU=1,MEM=4.")
    Map<String, String> resources = new LinkedHashMap<>();

    @Option(
            names = "--death-timeout",
            defaultValue = "60s",
            description =
                    "Exit after failing to reach the scheduler for this long, 0 = never (default: ${DEFAULT-VALUE}).")
    String deathTimeout;

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Interface for the data service (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--advertise-host",
            description = "Address peers use to reach this worker (default: a local address).")
    String advertiseHost;

    @Option(names = "--port", defaultValue = "0", description = "Data service port, 0 = any free port (default).")
    int port;

    @Option(names = "--local-directory", description = "Where spilled results go (default: a temporary directory).")
    Path localDirectory;

    @Option(
            names = "--memory-spill",
            defaultValue = "0.6",
            description = "Spill results to disk above this fraction (default: ${DEFAULT-VALUE}).")
    double spill;

    @Option(
            names = "--memory-pause",
            defaultValue = "0.8",
            description = "Stop starting tasks above this fraction (default: ${DEFAULT-VALUE}).")
    double pause;

    @Option(
            names = "--memory-terminate",
            defaultValue = "0.95",
            description = "Exit above this fraction (default: ${DEFAULT-VALUE}).")
    double terminate;

    @Option(
            names = "--interruption-file",
            paramLabel = "FILE",
            description = "Retire gracefully (results move to other workers) once this file exists: written by the"
                    + " machine's boot script when the cloud announces a spot interruption.")
    Path interruptionFile;

    @Option(
            names = WorkerRestart.OPTION,
            paramLabel = "N",
            defaultValue = "0",
            description = "Start a fresh worker in this one's place when it exits at the memory limit, at most N times"
                    + " (the restart a nanny gives Dask's workers; default: ${DEFAULT-VALUE}, exit for good).")
    int memoryRestarts;

    @Spec
    CommandSpec spec;

    @Mixin
    TlsOptions tls = new TlsOptions();

    @Mixin
    JoinTokenOption joinToken = new JoinTokenOption();

    @Override
    public Integer call() throws Exception {
        ProcessArgs.checkAddress("ADDRESS", schedulerAddress);
        ProcessArgs.checkPort("--port", port, 0);
        var token = joinToken.token(tls);
        PlaintextExposure.check(
                "worker's data service",
                "read the results it holds",
                host,
                port,
                token != null || tls.given(),
                tls.insecure);
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
                terminate);
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
                Process next =
                        WorkerRestart.start(spec.commandLine().getParseResult().originalArgs(), memoryRestarts - 1);
                System.out.println("worker " + workerName + ": started a fresh worker in its place (pid " + next.pid()
                        + ", " + (memoryRestarts - 1) + " restarts left)");
            }
            return code;
        }
    }
}
