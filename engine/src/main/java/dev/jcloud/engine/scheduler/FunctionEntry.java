package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.FunctionDef;

/** A function definition and the running statistics of the tasks that use it (one "kind" of task). */
final class FunctionEntry {

    final FunctionDef def;
    /** Mean task duration, seconds; negative until a task of this kind finished. */
    double meanSeconds = -1;

    long completed;
    /**
     * Records of this kind by {@link TaskRecord} state, and how many were created and finished,
     * for the dashboard's per-kind progress. Reset when every record of the kind is forgotten, so
     * a bar shows the current computation rather than everything since the scheduler started.
     */
    final long[] states = new long[TaskRecord.STATES];

    long created;
    long finished;

    FunctionEntry(FunctionDef def) {
        this.def = def;
    }

    long id() {
        return def.getId();
    }

    String name() {
        return def.getName();
    }

    /** A record of this kind was created (state released). */
    void created() {
        if (created == states[TaskRecord.FORGOTTEN]) {
            created = 0;
            finished = 0;
            states[TaskRecord.FORGOTTEN] = 0;
        }
        created++;
        states[TaskRecord.RELEASED]++;
    }

    void observe(double seconds) {
        completed++;
        meanSeconds = meanSeconds < 0 ? seconds : meanSeconds + (seconds - meanSeconds) * 0.1;
    }
}
