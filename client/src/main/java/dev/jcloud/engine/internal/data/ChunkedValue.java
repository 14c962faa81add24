package dev.jcloud.engine.internal.data;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.proto.DataChunk;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Values arriving as {@link DataChunk}s over gRPC, one key after another (results a worker serves,
 * values a client puts). A chunk announcing a body size begins a value that ends in one array (a
 * {@code byte[]} or {@code ByteBuffer}): it carries the head, and the body's bytes go into one
 * array of that size, a single copy (a parser may read
 * them straight from the network, see {@link #fillsBody}). Other values are kept as the chunks
 * they arrived in and joined into a rope, never copied.
 */
public final class ChunkedValue {

    /** A chunk that does not fit the value it continues, or a value larger than allowed. */
    public static final class Malformed extends Exception {
        private final boolean tooLarge;

        Malformed(String message, boolean tooLarge) {
            super(message);
            this.tooLarge = tooLarge;
        }

        /** True when the value was refused for its size alone. */
        public boolean tooLarge() {
            return tooLarge;
        }
    }

    private final String what;
    private final long maxBytes;
    private boolean receiving;
    private long key;
    private ByteString head;
    private byte[] body;
    private int filled;
    private final List<ByteString> parts = new ArrayList<>();
    private long size;

    /** {@code what} names the values in errors ("result", "value"); none may exceed {@code maxBytes}. */
    public ChunkedValue(String what, long maxBytes) {
        this.what = what;
        this.maxBytes = maxBytes;
    }

    /** True when the data of a chunk of {@code chunkKey} belongs in the announced array. */
    boolean fillsBody(long chunkKey) {
        return receiving && body != null && chunkKey == key;
    }

    /** Reads {@code n} bytes of the body from {@code in} straight into the array. */
    void fill(InputStream in, int n) throws IOException {
        if (n > body.length - filled) {
            throw new IOException("more data than the announced " + body.length + " bytes");
        }
        if (in.readNBytes(body, filled, n) != n) {
            throw new IOException("truncated field");
        }
        filled += n;
    }

    /** Takes the next chunk; returns the whole value with its last chunk, else null. */
    public EncodedValue add(DataChunk chunk) throws Malformed {
        if (!receiving || chunk.getKey() != key) {
            reset();
            receiving = true;
            key = chunk.getKey();
        }
        ByteString data = chunk.getData();
        if (chunk.getBodySize() > 0) {
            if (chunk.getBodySize() > Integer.MAX_VALUE - 8 || chunk.getBodySize() + data.size() > maxBytes) {
                throw tooLarge(chunk.getBodySize() + data.size());
            }
            head = data;
            body = new byte[(int) chunk.getBodySize()];
            filled = 0;
        } else if (body != null) {
            if (data.size() > body.length - filled) {
                throw malformed("has more than the announced " + body.length + " bytes");
            }
            data.copyTo(body, filled);
            filled += data.size();
        } else if (!data.isEmpty()) {
            size += data.size();
            if (size > maxBytes) {
                throw tooLarge(size);
            }
            parts.add(data);
        }
        if (!chunk.getLast()) {
            return null;
        }
        if (body != null && filled != body.length) {
            throw malformed("ended after " + filled + " of " + body.length + " bytes");
        }
        // A balanced rope over the chunks: no bytes are copied.
        EncodedValue value = body != null ? EncodedValue.of(head, body) : EncodedValue.of(ByteString.copyFrom(parts));
        reset();
        return value;
    }

    /** Drops a value not complete (the sender gave up, or sends another key). */
    public void reset() {
        receiving = false;
        head = null;
        body = null;
        filled = 0;
        parts.clear();
        size = 0;
    }

    private Malformed malformed(String problem) {
        Malformed e = new Malformed(what + " " + Long.toHexString(key) + " " + problem, false);
        reset();
        return e;
    }

    private Malformed tooLarge(long bytes) {
        Malformed e =
                new Malformed(what + " " + Long.toHexString(key) + " of " + bytes + " bytes exceeds " + maxBytes, true);
        reset();
        return e;
    }
}
