package dev.jcloud.provisioner.controller;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.KindLoad;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.WorkerInfo;
import dev.jcloud.engine.scheduler.SchedulerHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scheduler as the in-cluster controller sees it, played by a test: tasks queued of one kind,
 * registered workers, retirements asked for and gauges published.
 */
public final class FakeScheduler implements SchedulerHandle {

    private int queued;
    private double meanSeconds;
    private final List<String> registered = new ArrayList<>();
    public final List<String> retired = new ArrayList<>();
    public final Map<String, Double> gauges = new ConcurrentHashMap<>();
    public final Map<String, Double> workerGauges = new ConcurrentHashMap<>();

    public void queue(int tasks, double seconds) {
        queued = tasks;
        meanSeconds = seconds;
    }

    public void register(String name) {
        registered.add(name);
    }

    public void leave(String name) {
        registered.remove(name);
    }

    @Override
    public String address() {
        return "10.0.0.1:8786";
    }

    @Override
    public ClusterInfo info() {
        ClusterInfo.Builder b = ClusterInfo.newBuilder()
                .setTasks(TaskCounts.newBuilder().setReady(queued).setSubmittedTotal(queued));
        if (queued > 0) {
            b.addKinds(KindLoad.newBuilder().setName("work").setReady(queued).setMeanSeconds(meanSeconds));
        }
        for (String w : registered) {
            b.addWorkers(WorkerInfo.newBuilder()
                    .setName(w)
                    .setNthreads(2)
                    .setMemoryLimit(1L << 30)
                    .setConnectedMillis(System.currentTimeMillis())
                    .setProcessing(queued > 0 ? 2 : 0));
        }
        return b.build();
    }

    @Override
    public List<String> retire(List<String> workerNames) {
        retired.addAll(workerNames);
        return workerNames;
    }

    @Override
    public void publish(String gauge, double value) {
        gauges.put(gauge, value);
    }

    @Override
    public void publish(String gauge, String worker, double value) {
        workerGauges.put(worker, value);
    }
}
