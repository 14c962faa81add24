package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the scheduler knows about one key. Owned by the scheduler thread; never shared.
 * Kept compact (a few hundred bytes with its spec) because a graph may hold millions.
 */
final class TaskRecord {

    static final byte RELEASED = 0; // no data anywhere; recomputable from its spec
    static final byte WAITING = 1; // some dependency is not in memory yet
    static final byte READY = 2; // runnable, not yet assigned
    static final byte PROCESSING = 3; // assigned to a worker
    static final byte MEMORY = 4; // result held by at least one worker
    static final byte ERRED = 5; // failed for good (or a dependency did)
    static final byte FORGOTTEN = 6; // removed from the graph
    static final int STATES = 7;

    private static final TaskRecord[] NO_DEPS = new TaskRecord[0];

    static final String[] NAMES = {"released", "waiting", "ready", "processing", "memory", "erred", "forgotten"};

    final long key;
    final long order;
    final TaskSpec spec;
    final FunctionEntry function;
    // Never null: a task that fails at submission (undefined function, unknown dependency) is
    // erred before its inputs are linked, and forgetting it walks this array.
    TaskRecord[] deps = NO_DEPS;
    List<TaskRecord> dependents;
    int liveDependents; // dependents not forgotten: they may need this key recomputed
    int pendingDependents; // dependents still to compute: they need this key's data
    int waitingOn; // dependencies not in memory
    byte state = RELEASED;
    boolean queued; // in the scheduler's ready queue
    WorkerState processingOn;
    WorkerState holder; // first holder of the result
    List<WorkerState> moreHolders;
    ClientState wanter; // usually the one client waiting on this key
    List<ClientState> moreWanters;
    int pins; // submissions still arriving that may add dependents of this key
    int retriesLeft;
    int workerLosses;
    long nbytes;
    TaskError error;

    TaskRecord(long key, long order, TaskSpec spec, FunctionEntry function) {
        this.key = key;
        this.order = order;
        this.spec = spec;
        this.function = function;
        this.retriesLeft = spec.getRetries();
    }

    boolean pending() {
        return state == WAITING || state == READY || state == PROCESSING;
    }

    boolean wanted() {
        return wanter != null;
    }

    /** Kept whatever its dependents say: a client waits on it, or its submission is still arriving. */
    boolean retained() {
        return wanter != null || pins > 0;
    }

    /**
     * Whether every client waiting on this result got its value inline with the news that it was
     * done; a result clients must still fetch from a worker is not. Reset by each new wanter.
     */
    boolean receivedByWanters;

    void addWanter(ClientState c) {
        receivedByWanters = false;
        if (wanter == null) {
            wanter = c;
        } else if (wanter != c && (moreWanters == null || !moreWanters.contains(c))) {
            if (moreWanters == null) {
                moreWanters = new ArrayList<>(2);
            }
            moreWanters.add(c);
        }
    }

    /** Removes {@code c}; true if it was a wanter. */
    boolean removeWanter(ClientState c) {
        if (wanter == c) {
            wanter = moreWanters == null || moreWanters.isEmpty() ? null : moreWanters.remove(moreWanters.size() - 1);
            return true;
        }
        return moreWanters != null && moreWanters.remove(c);
    }

    void forEachWanter(java.util.function.Consumer<ClientState> action) {
        if (wanter != null) {
            action.accept(wanter);
            if (moreWanters != null) {
                moreWanters.forEach(action);
            }
        }
    }

    boolean heldBy(WorkerState w) {
        return holder == w || (moreHolders != null && moreHolders.contains(w));
    }

    void addHolder(WorkerState w) {
        if (holder == null) {
            holder = w;
        } else if (!heldBy(w)) {
            if (moreHolders == null) {
                moreHolders = new ArrayList<>(2);
            }
            moreHolders.add(w);
        }
    }

    void removeHolder(WorkerState w) {
        if (holder == w) {
            holder = moreHolders == null || moreHolders.isEmpty() ? null : moreHolders.remove(moreHolders.size() - 1);
        } else if (moreHolders != null) {
            moreHolders.remove(w);
        }
    }

    void forEachHolder(java.util.function.Consumer<WorkerState> action) {
        if (holder != null) {
            action.accept(holder);
            if (moreHolders != null) {
                new ArrayList<>(moreHolders).forEach(action);
            }
        }
    }

    void addDependent(TaskRecord d) {
        if (dependents == null) {
            dependents = new ArrayList<>(1);
        }
        dependents.add(d);
        liveDependents++;
    }

    int priority() {
        return spec.getPriority();
    }

    @Override
    public String toString() {
        return Long.toHexString(key) + "[" + NAMES[state] + "]";
    }
}
