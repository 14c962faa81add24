package dev.jcloud.engine.internal.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/**
 * A value encoded by {@link ValueCodec}: a head of bytes and, for a large {@code byte[]}, the
 * array itself as the body. Results are stored, spilled and sent as these two parts, so a
 * {@code byte[]} result is never copied into a buffer of its encoding, and a received one arrives
 * in an array that the task reading it gets as is.
 */
public final class EncodedValue {

    private final ByteString head;
    private final byte[] body;

    private EncodedValue(ByteString head, byte[] body) {
        this.head = head;
        this.body = body;
    }

    /** A value held in one piece (or in received chunks). */
    public static EncodedValue of(ByteString bytes) {
        return new EncodedValue(bytes, null);
    }

    /** A value whose encoding is {@code head} followed by the array {@code body}, not copied. */
    public static EncodedValue of(ByteString head, byte[] body) {
        return new EncodedValue(head, body);
    }

    /** The bytes before the body, or the whole value when it has no body. */
    public ByteString head() {
        return head;
    }

    /** The large array at the end of the value, or null. Not a copy: read it, never change it. */
    public byte[] body() {
        return body;
    }

    public long size() {
        return head.size() + (body == null ? 0L : body.length);
    }

    /** The whole encoding as one {@link ByteString} view: nothing is copied. */
    public ByteString toByteString() {
        return body == null ? head : head.concat(UnsafeByteOperations.unsafeWrap(body));
    }
}
