package dev.jcloud.engine.internal.task;

import java.io.Serializable;

/**
 * What a worker runs: a function of the task's resolved arguments. Every user-facing form
 * (callable, function, bi-function, list gathering) is wrapped into one of the small classes
 * here, so the worker has a single way to call code and a single place where user code can throw.
 */
public interface TaskFunction extends Serializable {

    Object apply(Object[] args) throws Exception;

    /** The user code inside, for naming the kind of task. */
    Object target();
}
