package dev.jcloud.engine.api;

import java.io.Serializable;
import java.util.concurrent.Callable;

/** A task without inputs. Lambdas assigned to this type are serializable and can run remotely. */
@FunctionalInterface
public interface SerializableCallable<T> extends Callable<T>, Serializable {}
