package dev.jcloud.engine.internal.task;

import dev.jcloud.engine.api.SerializableBiFunction;
import dev.jcloud.engine.api.SerializableCallable;
import dev.jcloud.engine.api.SerializableFunction;
import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

/** The wrappers that turn user lambdas into {@link TaskFunction}s, and readable names for them. */
public final class TaskFunctions {

    private TaskFunctions() {}

    public static TaskFunction of(SerializableCallable<?> c) {
        return new Call(c);
    }

    public static TaskFunction of(SerializableFunction<?, ?> f) {
        return new Apply(f);
    }

    public static TaskFunction of(SerializableBiFunction<?, ?, ?> f) {
        return new Apply2(f);
    }

    /** Returns its arguments as a list: the node behind {@code Delayed.all}. */
    public static TaskFunction list() {
        return ListOf.INSTANCE;
    }

    /**
     * {@code fn} called with runs of its arguments made into lists: {@code layout} has one entry per
     * parameter of {@code fn}, -1 for a single argument or the length of the run that becomes a list.
     * This is how a task takes {@code Delayed.all(parts)} as an input: the parts are its own
     * dependencies, so no task builds the list and no list travels between workers.
     */
    public static TaskFunction grouped(TaskFunction fn, List<Integer> layout) {
        return new Grouped(fn, List.copyOf(layout));
    }

    /** Returns its single argument: a scattered or literal value made into a task. */
    public static TaskFunction identity() {
        return Identity.INSTANCE;
    }

    /**
     * A short readable name of the user code: {@code Class.method} for method references,
     * {@code Class.lambda$main$0} for lambdas, the simple class name otherwise.
     */
    public static String name(TaskFunction fn) {
        if (fn instanceof Grouped g) {
            return name(g.fn());
        }
        Object target = fn.target();
        if (target == null) {
            return fn.getClass().getSimpleName().toLowerCase();
        }
        try {
            Method writeReplace = target.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            if (writeReplace.invoke(target) instanceof SerializedLambda lambda) {
                String cls = lambda.getImplClass();
                String simple = cls.substring(cls.lastIndexOf('/') + 1);
                return simple + "." + lambda.getImplMethodName();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Not a lambda: fall back to the class name.
        }
        return target.getClass().getSimpleName();
    }

    private record Call(SerializableCallable<?> c) implements TaskFunction {
        @Override
        public Object apply(Object[] args) throws Exception {
            return c.call();
        }

        @Override
        public Object target() {
            return c;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private record Apply(SerializableFunction f) implements TaskFunction {
        @Override
        public Object apply(Object[] args) {
            return f.apply(args[0]);
        }

        @Override
        public Object target() {
            return f;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private record Apply2(SerializableBiFunction f) implements TaskFunction {
        @Override
        public Object apply(Object[] args) {
            return f.apply(args[0], args[1]);
        }

        @Override
        public Object target() {
            return f;
        }
    }

    private record Grouped(TaskFunction fn, List<Integer> layout) implements TaskFunction {
        @Override
        public Object apply(Object[] args) throws Exception {
            Object[] params = new Object[layout.size()];
            int at = 0;
            for (int i = 0; i < params.length; i++) {
                int run = layout.get(i);
                if (run < 0) {
                    params[i] = args[at++];
                } else {
                    params[i] = Arrays.asList(Arrays.copyOfRange(args, at, at + run));
                    at += run;
                }
            }
            return fn.apply(params);
        }

        @Override
        public Object target() {
            return fn.target();
        }
    }

    private enum ListOf implements TaskFunction, Serializable {
        INSTANCE;

        @Override
        public Object apply(Object[] args) {
            return Arrays.asList(args);
        }

        @Override
        public Object target() {
            return null;
        }
    }

    private enum Identity implements TaskFunction, Serializable {
        INSTANCE;

        @Override
        public Object apply(Object[] args) {
            return args[0];
        }

        @Override
        public Object target() {
            return null;
        }
    }
}
