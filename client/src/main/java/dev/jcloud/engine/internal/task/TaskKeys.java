package dev.jcloud.engine.internal.task;

/**
 * The layout of a task key: the id the scheduler gave the client that made it in the high bits,
 * that client's own sequence number below. So keys of different clients never collide, and the
 * scheduler knows from a key alone which client can send a scattered value again.
 */
public final class TaskKeys {

    /** Bits of a key below the client id: 2^44 tasks per client. */
    private static final int SEQUENCE_BITS = 44;

    private TaskKeys() {}

    /** The key of the {@code sequence}th task of client {@code clientId}. */
    public static long of(int clientId, long sequence) {
        return ((long) clientId << SEQUENCE_BITS) | sequence;
    }

    /** The id of the client that made {@code key}. */
    public static int client(long key) {
        return (int) (key >>> SEQUENCE_BITS);
    }
}
