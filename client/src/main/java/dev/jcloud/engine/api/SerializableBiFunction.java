package dev.jcloud.engine.api;

import java.io.Serializable;
import java.util.function.BiFunction;

/** A task with two inputs. Lambdas assigned to this type are serializable and can run remotely. */
@FunctionalInterface
public interface SerializableBiFunction<A, B, R> extends BiFunction<A, B, R>, Serializable {}
