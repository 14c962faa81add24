package dev.jcloud.engine;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A scheduler and workers in this JVM, on loopback: the fast fixture for engine tests. */
public final class InProcessCluster implements AutoCloseable {

    private final SchedulerServer scheduler;
    private final List<WorkerServer> workers = new ArrayList<>();
    private final Path dir;

    private InProcessCluster(int workers, int nthreads, long memoryLimit, Map<String, Double> resources)
            throws Exception {
        this.dir = Files.createTempDirectory("jcloud-test-");
        this.scheduler = SchedulerServer.start(SchedulerOptions.loopback());
        for (int i = 0; i < workers; i++) {
            addWorker("w" + i, nthreads, memoryLimit, resources);
        }
    }

    public static InProcessCluster start(int workers, int nthreads) throws Exception {
        return new InProcessCluster(workers, nthreads, 1L << 30, Map.of());
    }

    public static InProcessCluster start(int workers, int nthreads, long memoryLimit, Map<String, Double> resources)
            throws Exception {
        return new InProcessCluster(workers, nthreads, memoryLimit, resources);
    }

    public WorkerServer addWorker(String name, int nthreads, long memoryLimit, Map<String, Double> resources)
            throws Exception {
        WorkerServer w = WorkerServer.start(WorkerOptions.local(scheduler.address(), name, dir)
                .nthreads(nthreads)
                .memoryLimit(memoryLimit)
                .resources(resources)
                .build());
        workers.add(w);
        return w;
    }

    public String address() {
        return scheduler.address();
    }

    public SchedulerServer scheduler() {
        return scheduler;
    }

    public List<WorkerServer> workers() {
        return workers;
    }

    public Client connect() {
        Client c = Client.connect(scheduler.address());
        c.waitForWorkers(workers.size(), Duration.ofSeconds(30));
        return c;
    }

    @Override
    public void close() {
        workers.forEach(WorkerServer::close);
        scheduler.close();
    }
}
