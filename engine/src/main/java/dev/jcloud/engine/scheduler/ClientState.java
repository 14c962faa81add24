package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.TaskDone;
import dev.jcloud.engine.proto.TaskError;
import java.util.function.Consumer;
import org.agrona.collections.LongHashSet;

/** One connected client: what it waits on, and its outbound batch being built. */
final class ClientState {

    final int id;
    final String name;
    final Consumer<ClientUpdates> sink;
    final LongHashSet wanted = new LongHashSet(); // primitive: no boxing per submitted key
    /** Tasks of a submission whose last batch has not arrived yet. */
    final java.util.List<TaskRecord> pinned = new java.util.ArrayList<>();

    private ClientUpdates.Builder out;
    int lastWorkerCount = -1;

    ClientState(int id, String name, Consumer<ClientUpdates> sink) {
        this.id = id;
        this.name = name;
        this.sink = sink;
    }

    ClientUpdates.Builder out() {
        if (out == null) {
            out = ClientUpdates.newBuilder();
        }
        return out;
    }

    void done(TaskDone d) {
        out().addDone(d);
    }

    void error(TaskError e) {
        out().addErrors(e);
    }

    /** Sends what accumulated, if anything. */
    void flush() {
        if (out != null) {
            ClientUpdates batch = out.build();
            out = null;
            sink.accept(batch);
        }
    }
}
