package dev.jcloud.engine.internal.data;

/**
 * The bulk data connection beside gRPC. A fetcher asks the worker for a ticket with a
 * {@code GetData} call ({@code bulk = true}): the worker, over the same authenticated channel,
 * answers the port of its bulk listener and a random single-use ticket for the requested keys that
 * expires in seconds. The fetcher connects to that port, sends the {@link #TICKET_BYTES} bytes of
 * the ticket and reads, for each key in the order requested, a frame:
 *
 * <pre>
 *   byte kind     FOUND, NOT_FOUND or END (END closes the answer; no key follows it)
 *   long key
 *   FOUND only:   int headSize, long bodySize, the head's bytes, the body's bytes
 * </pre>
 *
 * All numbers are big-endian. The body is a {@code byte[]} result's array (bodySize 0 for other
 * values), which the reader fills in place. The connection carries nothing but the answer to the
 * ticket: a connection without a valid ticket is closed unanswered.
 */
public final class BulkProtocol {

    public static final int TICKET_BYTES = 16;
    public static final byte FOUND = 1;
    public static final byte NOT_FOUND = 2;
    public static final byte END = 3;
    /** kind, key, headSize, bodySize. */
    public static final int FRAME_HEADER_BYTES = 1 + 8 + 4 + 8;
    /**
     * The most bytes handed to one socket read or write. The JDK copies heap buffers through a
     * per-thread direct buffer as large as the largest transfer, so whole values would pin whole
     * values' worth of native memory per thread.
     */
    public static final int SLICE = 1 << 20;

    private BulkProtocol() {}
}
