package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.client.ClientSession;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.task.TaskFunctions;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.TaskSpec;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one submission. A value of {@link Client#SCATTER_DIRECT_BYTES} or more is not
 * written into the task description (which goes through the scheduler, and whose messages have a
 * size limit): it is scattered for the tasks reading it, so it goes from this client straight to a
 * worker, as {@link Client#scatter} does. Such a value lives while any task of the submission
 * that reads it is wanted: it is released with the last of their futures, so a task whose worker
 * is lost can run again. The same object passed to several tasks of one submission is sent once.
 */
final class Arguments {

    private final ClientSession session;
    private final List<TaskSpec> scattered = new ArrayList<>();
    private final List<EncodedValue> values = new ArrayList<>();
    private final Map<Object, Long> keys = new IdentityHashMap<>();

    Arguments(ClientSession session) {
        this.session = session;
    }

    /** {@code value} as an argument: a literal, or a reference to the value scattered for it. */
    Arg of(Object value) {
        Long key = keys.get(value);
        if (key != null) {
            return Arg.newBuilder().setDep(key).build();
        }
        EncodedValue encoded = ValueCodec.encodeValue(value);
        if (encoded.size() < Client.SCATTER_DIRECT_BYTES) {
            return Arg.newBuilder().setValue(encoded.toByteString()).build();
        }
        long scatteredKey = session.newKey();
        values.add(encoded);
        scattered.add(fromClient(session, scatteredKey, encoded));
        keys.put(value, scatteredKey);
        return Arg.newBuilder().setDep(scatteredKey).build();
    }

    /**
     * The task {@code key} that brings {@code value} from this client: the scheduler names the
     * worker it goes to, and the session writes it there (see {@link ClientSession#scatter}). The
     * caller keeps the value with the futures it lives with.
     */
    static TaskSpec fromClient(ClientSession session, long key, EncodedValue value) {
        session.scatter(key, value);
        return TaskSpec.newBuilder()
                .setKey(key)
                .setFunction(session.functionId(TaskFunctions.identity()))
                .setWanted(true)
                .setFromClient(true)
                .build();
    }

    /**
     * The tasks that bring the scattered values, to be submitted before the tasks reading them;
     * from now on the values live with the futures of {@code readers} (each holds them all) and
     * are released with the last of them.
     */
    List<TaskSpec> scatteredFor(List<? extends TaskFuture<?>> readers) {
        if (!scattered.isEmpty()) {
            List<EncodedValue> all = List.copyOf(values);
            readers.forEach(f -> f.slot().keep(all));
            long[] owners = readers.stream().mapToLong(TaskFuture::key).toArray();
            session.releaseWith(scattered.stream().mapToLong(TaskSpec::getKey).toArray(), owners);
        }
        return scattered;
    }
}
