package dev.jcloud.engine.api;

import java.io.Serializable;
import java.util.function.Function;

/** A task with one input. Lambdas assigned to this type are serializable and can run remotely. */
@FunctionalInterface
public interface SerializableFunction<A, R> extends Function<A, R>, Serializable {}
