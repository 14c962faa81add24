package dev.jcloud.engine.internal.data;

/**
 * The bulk data connection beside gRPC. A fetcher asks the worker for a ticket with a
 * {@code GetData} call ({@code bulk = true}): the worker, over the same authenticated channel,
 * answers the port of its bulk listener and a random single-use ticket that expires in seconds.
 * The fetcher connects to that port and sends the {@link #TICKET_BYTES} bytes of the ticket; the
 * connection is then admitted and carries requests, one at a time, until the fetcher closes it or
 * leaves it idle:
 *
 * <pre>
 *   request:  int count, count x long key
 *   answer:   for each key, in the order requested, a frame
 *               byte kind     FOUND or NOT_FOUND
 *               long key
 *               FOUND only:   int headSize, long bodySize, the head's bytes, the body's bytes
 *             then byte END
 *
 *   put:      int -count, count x (long key, int headSize, long bodySize, the head's bytes,
 *             the body's bytes): values a client scatters to this worker
 *   answer:   byte END, once every value is stored
 * </pre>
 *
 * All numbers are big-endian. The body is a {@code byte[]} result's array (bodySize 0 for other
 * values), which the reader fills in place. A connection without a valid ticket is closed
 * unanswered.
 */
public final class BulkProtocol {

    public static final int TICKET_BYTES = 16;
    public static final byte FOUND = 1;
    public static final byte NOT_FOUND = 2;
    public static final byte END = 3;
    /** The largest head a put may announce; larger values are sent with a body or over gRPC. */
    public static final int MAX_HEAD_BYTES = 256 << 20;
    /** The most keys in one request. */
    public static final int MAX_KEYS = 1 << 20;
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
