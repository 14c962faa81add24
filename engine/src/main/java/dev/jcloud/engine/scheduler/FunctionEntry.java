package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.FunctionDef;

/** A function definition and the running statistics of the tasks that use it (one "kind" of task). */
final class FunctionEntry {

    final FunctionDef def;
    /** Mean task duration, seconds; negative until a task of this kind finished. */
    double meanSeconds = -1;
    long completed;

    FunctionEntry(FunctionDef def) {
        this.def = def;
    }

    long id() {
        return def.getId();
    }

    String name() {
        return def.getName();
    }

    void observe(double seconds) {
        completed++;
        meanSeconds = meanSeconds < 0 ? seconds : meanSeconds + (seconds - meanSeconds) * 0.1;
    }
}
