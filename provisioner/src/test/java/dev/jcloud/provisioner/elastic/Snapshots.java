package dev.jcloud.provisioner.elastic;

import java.util.ArrayList;
import java.util.List;

/** A fluent builder of snapshots for policy tests (a fake clock: {@code at(seconds)}). */
final class Snapshots {

    private double now;
    private int threads = 1;
    private final List<TaskLoad> loads = new ArrayList<>();
    private final List<WorkerView> workers = new ArrayList<>();
    private long submitted;

    static Snapshots at(double now) {
        Snapshots s = new Snapshots();
        s.now = now;
        return s;
    }

    Snapshots threads(int n) {
        threads = n;
        return this;
    }

    Snapshots load(int queued, int running, double mean) {
        loads.add(new TaskLoad("k" + loads.size(), queued, running, mean));
        submitted += queued + running;
        return this;
    }

    Snapshots busy(int id, double launchedAt) {
        workers.add(new WorkerView(id, launchedAt, true, 1, Double.NaN, 0, 0));
        return this;
    }

    Snapshots idle(int id, double launchedAt, double idleSince) {
        workers.add(new WorkerView(id, launchedAt, true, 0, idleSince, 0, 0));
        return this;
    }

    Snapshots booting(int id, double launchedAt) {
        workers.add(new WorkerView(id, launchedAt, false, 0, Double.NaN, 0, 0));
        return this;
    }

    /** A worker the platform has not started (a batch job in its queue). */
    Snapshots waiting(int id, double launchedAt) {
        workers.add(new WorkerView(id, launchedAt, false, 0, Double.NaN, 0, 0, true));
        return this;
    }

    ClusterSnapshot build() {
        return new ClusterSnapshot(now, threads, loads, workers, submitted);
    }
}
