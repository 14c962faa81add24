package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.client.ClientSession;
import dev.jcloud.engine.internal.task.TaskFunctions;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.TaskSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link Delayed} graphs into task specs in dependency order. Iterative, so a graph a
 * million nodes deep does not overflow the stack; shared nodes get one key. A {@code Delayed.all}
 * that is the input of another node does not become a task: its parts become that node's own
 * inputs and the list is made where the node runs, as Dask passes a list of futures. A task
 * reading all of 16 results of 32 MiB would otherwise wait for one task to hold 512 MiB and for
 * that list to be copied to it.
 */
final class GraphEncoder {

    private final ClientSession session;
    private final Map<Delayed<?>, Long> keys = new IdentityHashMap<>();
    private final List<TaskSpec.Builder> specs = new ArrayList<>();
    private final Arguments arguments;

    GraphEncoder(ClientSession session) {
        this.session = session;
        this.arguments = new Arguments(session);
    }

    /** Adds the graph under {@code root}; returns the root's key. */
    long add(Delayed<?> root) {
        Deque<Delayed<?>> stack = new ArrayDeque<>();
        Deque<Boolean> expanded = new ArrayDeque<>();
        stack.push(root);
        expanded.push(false);
        while (!stack.isEmpty()) {
            Delayed<?> node = stack.pop();
            boolean ready = expanded.pop();
            if (keys.containsKey(node)) {
                continue;
            }
            if (!ready) {
                stack.push(node);
                expanded.push(true);
                for (Object input : node.inputs()) {
                    for (Object dependency : gathered(input) ? ((Delayed<?>) input).inputs() : List.of(input)) {
                        if (dependency instanceof Delayed<?> d
                                && !keys.containsKey(d)
                                && !isLiteral(d)
                                && passedThrough(d) == null) {
                            stack.push(d);
                            expanded.push(false);
                        }
                    }
                }
                continue;
            }
            keys.put(node, encode(node));
        }
        return keys.get(root);
    }

    /**
     * The specs of everything added, after those bringing large literals (which live with the
     * roots' futures); only the roots are delivered to this client.
     */
    List<TaskSpec> specs(List<? extends TaskFuture<?>> roots) {
        Set<Long> wanted = new HashSet<>();
        roots.forEach(f -> wanted.add(f.key()));
        List<TaskSpec> out = new ArrayList<>(arguments.scatteredFor(roots));
        for (TaskSpec.Builder b : specs) {
            out.add(b.setWanted(wanted.contains(b.getKey())).build());
        }
        return out;
    }

    private long encode(Delayed<?> node) {
        long key = session.newKey();
        TaskSpec.Builder spec =
                TaskSpec.newBuilder().setKey(key).setRetries(node.retries()).setPriority(node.priority());
        List<Integer> layout = new ArrayList<>(node.inputs().size());
        boolean grouped = false;
        for (Object input : node.inputs()) {
            if (gathered(input)) {
                List<Object> parts = ((Delayed<?>) input).inputs();
                layout.add(parts.size());
                parts.forEach(part -> spec.addArgs(arg(part)));
                grouped = true;
            } else {
                layout.add(-1);
                spec.addArgs(arg(input));
            }
        }
        spec.setFunction(
                session.functionId(grouped ? TaskFunctions.grouped(node.function(), layout) : node.function()));
        for (Delayed.Resource r : node.resources()) {
            spec.addResources(Resource.newBuilder().setName(r.name()).setAmount(r.amount()));
        }
        specs.add(spec);
        return key;
    }

    private Arg arg(Object input) {
        if (input instanceof Delayed<?> d) {
            if (isLiteral(d)) {
                return arg(d.inputs().get(0));
            }
            TaskFuture<?> existing = passedThrough(d);
            if (existing != null) {
                return Arg.newBuilder().setDep(existing.key()).build();
            }
            return Arg.newBuilder().setDep(keys.get(d)).build();
        }
        if (input instanceof TaskFuture<?> f) {
            return Arg.newBuilder().setDep(f.key()).build();
        }
        return arguments.of(input == Delayed.NullValue.INSTANCE ? null : input);
    }

    /**
     * {@code Delayed.all(parts)} as an input: passed to its dependent as the parts themselves. Not
     * when a part is itself a list of parts (that inner list is a task, so the outer one can be too).
     */
    private static boolean gathered(Object input) {
        return input instanceof Delayed<?> d
                && d.function() == TaskFunctions.list()
                && d.inputs().stream()
                        .noneMatch(part -> part instanceof Delayed<?> p && p.function() == TaskFunctions.list());
    }

    /** {@code Delayed.of(future)}: its dependents use the future's key directly, with no task between. */
    private static TaskFuture<?> passedThrough(Delayed<?> d) {
        return d.function() == TaskFunctions.identity()
                        && d.inputs().size() == 1
                        && d.inputs().get(0) instanceof TaskFuture<?> f
                ? f
                : null;
    }

    /** {@code Delayed.value(x)}: inlined into its dependents instead of becoming a task. */
    private static boolean isLiteral(Delayed<?> d) {
        return d.function() == TaskFunctions.identity()
                && d.inputs().size() == 1
                && !(d.inputs().get(0) instanceof TaskFuture<?>)
                && !(d.inputs().get(0) instanceof Delayed<?>);
    }
}
