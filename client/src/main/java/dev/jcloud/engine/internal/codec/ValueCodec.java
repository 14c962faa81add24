package dev.jcloud.engine.internal.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Encodes task arguments and results. The values tasks pass around most (numbers, strings, byte
 * arrays, primitive arrays and lists of them) get a compact tagged form that costs tens of
 * nanoseconds; anything else falls back to JDK serialization. See the README's design section for
 * the measurement behind this choice.
 *
 * <p>Large values are not copied more than needed: {@link #encodeValue} wraps a {@code byte[]}
 * result (or a heap {@link ByteBuffer} over a whole array) behind its few header bytes without
 * copying it, copies any other {@code ByteBuffer}'s remaining bytes once, and {@link #decode(ByteString,
 * ClassLoader)} reads a value spread over many received chunks in place, copying a byte or
 * primitive array once into the array the task gets (its own, so that it may change it).
 */
public final class ValueCodec {

    private static final byte NULL = 0;
    private static final byte LONG = 1;
    private static final byte INT = 2;
    private static final byte DOUBLE = 3;
    private static final byte STRING = 4;
    private static final byte BYTES = 5;
    private static final byte TRUE = 6;
    private static final byte FALSE = 7;
    private static final byte LIST = 8;
    private static final byte JAVA = 9;
    private static final byte INTS = 10;
    private static final byte LONGS = 11;
    private static final byte DOUBLES = 12;
    /** A {@link ByteBuffer}'s remaining bytes, after one byte for its order (0 big-, 1 little-endian). */
    private static final byte BUFFER = 13;

    /** Lists longer than this, or nested deeper, go through JDK serialization as a whole. */
    private static final int MAX_DEPTH = 8;

    private ValueCodec() {}

    public static byte[] encode(Object value) {
        Buffer out = new Buffer(initialCapacity(value));
        write(out, value, 0);
        return out.toArray();
    }

    public static ByteString encodeToByteString(Object value) {
        return encodeValue(value).toByteString();
    }

    /** Arrays at least this large become an {@link EncodedValue}'s body instead of being copied. */
    static final int BODY_MIN = 4096;

    /**
     * The encoded form of {@code value}. A large {@code byte[]} is not copied: it becomes the
     * value's body, so the caller must not change the array afterwards (a task's result is no
     * longer the task's). So does the array of a large heap {@link ByteBuffer} that spans all of it;
     * any other large buffer (direct, read-only, a slice, memory-mapped) has its remaining bytes
     * copied once into the body, leaving its position as it was.
     */
    public static EncodedValue encodeValue(Object value) {
        if (value instanceof byte[] b && b.length >= BODY_MIN) {
            Buffer header = new Buffer(11);
            header.put(BYTES);
            header.varint(b.length);
            return EncodedValue.of(ByteString.copyFrom(header.data, 0, header.size), b);
        }
        if (value instanceof ByteBuffer b && b.remaining() >= BODY_MIN) {
            Buffer header = new Buffer(12);
            header.put(BUFFER);
            header.put(orderByte(b));
            header.varint(b.remaining());
            return EncodedValue.of(ByteString.copyFrom(header.data, 0, header.size), wholeArrayOrCopy(b));
        }
        return EncodedValue.of(encodeFlat(value));
    }

    /** The buffer's array when its remaining bytes are exactly that array, else a copy of them. */
    private static byte[] wholeArrayOrCopy(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] copy = new byte[b.remaining()];
        b.duplicate().get(copy);
        return copy;
    }

    private static byte orderByte(ByteBuffer b) {
        return b.order() == ByteOrder.LITTLE_ENDIAN ? (byte) 1 : (byte) 0;
    }

    private static ByteOrder orderOf(byte b) throws IOException {
        return switch (b) {
            case 0 -> ByteOrder.BIG_ENDIAN;
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            default -> throw new IOException("unknown byte order " + b);
        };
    }

    /**
     * The length of the head of an encoding of {@code total} bytes that starts with {@code
     * prefix}, when the rest is one byte array (the value is a {@code byte[]} or a {@link
     * ByteBuffer}); -1 otherwise.
     */
    public static int bodyOffset(byte[] prefix, int prefixLength, long total) {
        int lengthAt = prefixLength >= 2 && prefix[0] == BYTES ? 1 : prefixLength >= 3 && prefix[0] == BUFFER ? 2 : -1;
        if (lengthAt < 0) {
            return -1;
        }
        long n = 0;
        for (int i = lengthAt, shift = 0; i < prefixLength && shift < 64; i++, shift += 7) {
            n |= (long) (prefix[i] & 0x7F) << shift;
            if ((prefix[i] & 0x80) == 0) {
                return n >= BODY_MIN && i + 1 + n == total ? i + 1 : -1;
            }
        }
        return -1;
    }

    /**
     * Decodes a value. A {@code byte[]} that is the value's body is returned as is, not copied,
     * and a {@link ByteBuffer} wraps it: tasks share the arrays they read with the worker's store
     * and must not change them.
     */
    public static Object decode(EncodedValue value, ClassLoader loader) throws IOException, ClassNotFoundException {
        byte[] body = value.body();
        if (body != null) {
            byte[] head = value.head().toByteArray();
            if (bodyOffset(head, head.length, value.size()) == head.length) {
                return head[0] == BUFFER ? ByteBuffer.wrap(body).order(orderOf(head[1])) : body;
            }
        }
        return decode(value.toByteString(), loader);
    }

    private static ByteString encodeFlat(Object value) {
        Buffer out = new Buffer(initialCapacity(value));
        write(out, value, 0);
        // A large buffer mostly filled is kept as it is rather than copied to its exact size.
        return out.size >= BODY_MIN && out.size * 4L >= out.data.length * 3L
                ? UnsafeByteOperations.unsafeWrap(out.data, 0, out.size)
                : ByteString.copyFrom(out.data, 0, out.size);
    }

    private static int initialCapacity(Object value) {
        if (value instanceof byte[] b) {
            return b.length + 11;
        } else if (value instanceof String str) {
            return str.length() * 3 + 11;
        } else if (value instanceof int[] a) {
            return a.length * 4 + 11;
        } else if (value instanceof long[] a) {
            return a.length * 8 + 11;
        } else if (value instanceof double[] a) {
            return a.length * 8 + 11;
        } else if (value instanceof ByteBuffer b) {
            return b.remaining() + 12;
        }
        return 16;
    }

    /** Decodes a value however its bytes are laid out (one array or many received chunks). */
    public static Object decode(ByteString bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        Reader in = new Reader(bytes);
        Object value = read(in, loader, 0);
        if (in.left() != 0) {
            throw new IOException("trailing bytes after value (" + in.left() + ")");
        }
        return value;
    }

    public static Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        return decode(UnsafeByteOperations.unsafeWrap(bytes), loader);
    }

    private static void write(Buffer out, Object value, int depth) {
        if (value == null) {
            out.put(NULL);
        } else if (value instanceof Long l) {
            out.put(LONG);
            out.varint(zigzag(l));
        } else if (value instanceof Integer i) {
            out.put(INT);
            out.varint(zigzag(i));
        } else if (value instanceof Double d) {
            out.put(DOUBLE);
            out.fixed64(Double.doubleToRawLongBits(d));
        } else if (value instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.put(STRING);
            out.varint(utf8.length);
            out.put(utf8);
        } else if (value instanceof byte[] b) {
            out.put(BYTES);
            out.varint(b.length);
            out.put(b);
        } else if (value instanceof ByteBuffer b) {
            out.put(BUFFER);
            out.put(orderByte(b));
            out.varint(b.remaining());
            out.put(b.duplicate());
        } else if (value instanceof Boolean b) {
            out.put(b ? TRUE : FALSE);
        } else if (value instanceof int[] a) {
            out.elements(INTS, a.length, 4, b -> b.asIntBuffer().put(a));
        } else if (value instanceof long[] a) {
            out.elements(LONGS, a.length, 8, b -> b.asLongBuffer().put(a));
        } else if (value instanceof double[] a) {
            out.elements(DOUBLES, a.length, 8, b -> b.asDoubleBuffer().put(a));
        } else if (value instanceof List<?> list && depth < MAX_DEPTH && isPlainList(list)) {
            out.put(LIST);
            out.varint(list.size());
            for (Object element : list) {
                write(out, element, depth + 1);
            }
        } else {
            byte[] java = JavaSerialization.serialize(value);
            out.put(JAVA);
            out.varint(java.length);
            out.put(java);
        }
    }

    /** Only lists whose exact type does not matter to the receiver are flattened. */
    private static boolean isPlainList(List<?> list) {
        Class<?> c = list.getClass();
        return c == ArrayList.class
                || c == Arrays.asList().getClass()
                || c.getName().startsWith("java.util.ImmutableCollections$List");
    }

    private static Object read(Reader in, ClassLoader loader, int depth) throws IOException, ClassNotFoundException {
        byte tag = in.get();
        if (depth > MAX_DEPTH) {
            // The encoder never nests deeper; a forged message could nest deep enough to overflow the stack.
            throw new IOException("value nested deeper than " + MAX_DEPTH + " lists");
        }
        switch (tag) {
            case NULL:
                return null;
            case LONG:
                return unzigzag(in.varint());
            case INT:
                return (int) unzigzag(in.varint());
            case DOUBLE:
                return Double.longBitsToDouble(in.fixed64());
            case STRING:
                return new String(in.bytes(in.length()), StandardCharsets.UTF_8);
            case BYTES:
                return in.bytes(in.length());
            case BUFFER: {
                ByteOrder order = orderOf(in.get());
                return ByteBuffer.wrap(in.bytes(in.length())).order(order);
            }
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case LIST: {
                int n = in.length();
                List<Object> list = new ArrayList<>(Math.min(n, 1 << 16));
                for (int i = 0; i < n; i++) {
                    list.add(read(in, loader, depth + 1));
                }
                return list;
            }
            case INTS: {
                int[] a = new int[in.count(4)];
                in.elements(a.length, 4, b -> b.asIntBuffer().get(a, 0, a.length));
                return a;
            }
            case LONGS: {
                long[] a = new long[in.count(8)];
                in.elements(a.length, 8, b -> b.asLongBuffer().get(a, 0, a.length));
                return a;
            }
            case DOUBLES: {
                double[] a = new double[in.count(8)];
                in.elements(a.length, 8, b -> b.asDoubleBuffer().get(a, 0, a.length));
                return a;
            }
            case JAVA: {
                int n = in.length();
                return JavaSerialization.deserialize(in.stream(n), loader, n);
            }
            default:
                throw new IOException("unknown value tag " + tag);
        }
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static final class Buffer {
        private byte[] data;
        private int size;

        Buffer(int capacity) {
            data = new byte[capacity];
        }

        void ensure(int more) {
            if (size + more > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + more));
            }
        }

        void put(byte b) {
            ensure(1);
            data[size++] = b;
        }

        /**
         * {@code tag}, the element count and {@code count} fixed-width little-endian elements that
         * {@code fill} writes straight into this buffer (no intermediate copy).
         */
        void elements(byte tag, int count, int width, Consumer<ByteBuffer> fill) {
            put(tag);
            varint(count);
            int n = count * width;
            ensure(n);
            fill.accept(ByteBuffer.wrap(data, size, n).slice().order(ByteOrder.LITTLE_ENDIAN));
            size += n;
        }

        void put(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, data, size, bytes.length);
            size += bytes.length;
        }

        /** The remaining bytes of {@code bytes}, which is used up. */
        void put(ByteBuffer bytes) {
            int n = bytes.remaining();
            ensure(n);
            bytes.get(data, size, n);
            size += n;
        }

        void varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                data[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            data[size++] = (byte) v;
        }

        void fixed64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                data[size++] = (byte) (v >>> (8 * i));
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    /**
     * Reads with bounds checks so that a malformed message fails cleanly instead of overreading,
     * over the value's segments in place (a received value is many chunks; none is joined).
     */
    private static final class Reader {
        private final ByteString all;
        private final java.util.Iterator<ByteBuffer> segments;
        private ByteBuffer current;
        private long left;

        Reader(ByteString all) {
            this.all = all;
            this.segments = all.asReadOnlyByteBufferList().iterator();
            this.current = ByteBuffer.allocate(0);
            this.left = all.size();
        }

        long left() {
            return left;
        }

        private ByteBuffer segment() throws IOException {
            while (!current.hasRemaining()) {
                if (!segments.hasNext()) {
                    throw new IOException("truncated value");
                }
                current = segments.next();
            }
            return current;
        }

        byte get() throws IOException {
            if (left <= 0) {
                throw new IOException("truncated value");
            }
            left--;
            return segment().get();
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = get();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IOException("malformed varint");
        }

        int length() throws IOException {
            long n = varint();
            if (n < 0 || n > left) {
                throw new IOException("length " + n + " exceeds the " + left + " bytes left");
            }
            return (int) n;
        }

        /** An element count, checked against the bytes left for elements of {@code width} bytes. */
        int count(int width) throws IOException {
            long n = varint();
            // Divided, not multiplied: a forged count near 2^62 would overflow the product and pass.
            if (n < 0 || n > left / width) {
                throw new IOException("length " + n + " x " + width + " exceeds the " + left + " bytes left");
            }
            return (int) n;
        }

        long fixed64() throws IOException {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) (get() & 0xFF) << (8 * i);
            }
            return v;
        }

        /** The next n bytes in a new array: the one copy a received byte[] costs. */
        byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                ByteBuffer s = segment();
                int k = Math.min(n - done, s.remaining());
                s.get(out, done, k);
                done += k;
            }
            left -= n;
            return out;
        }

        /** Hands the bytes of {@code count} elements to {@code sink}, little-endian, in one piece. */
        void elements(int count, int width, Consumer<ByteBuffer> sink) throws IOException {
            int n = count * width;
            if (n == 0) {
                sink.accept(ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN));
                return;
            }
            ByteBuffer s = segment();
            ByteBuffer piece;
            if (s.remaining() >= n) {
                piece = s.slice().limit(n);
                s.position(s.position() + n);
                left -= n;
            } else {
                piece = ByteBuffer.wrap(bytes(n));
            }
            sink.accept(piece.order(ByteOrder.LITTLE_ENDIAN));
        }

        /** The next n bytes as a stream over the segments, without copying them first. */
        InputStream stream(int n) {
            long at = all.size() - left;
            InputStream in = all.substring((int) at, (int) at + n).newInput();
            skip(n);
            return in;
        }

        private void skip(int n) {
            int done = 0;
            while (done < n) {
                if (!current.hasRemaining()) {
                    current = segments.next();
                    continue;
                }
                int k = Math.min(n - done, current.remaining());
                current.position(current.position() + k);
                done += k;
            }
            left -= n;
        }
    }
}
