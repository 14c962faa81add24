package dev.jcloud.engine.internal.codec;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes task arguments and results. The values tasks pass around most (numbers, strings, byte
 * arrays and lists of them) get a compact tagged form that costs tens of nanoseconds; anything
 * else falls back to JDK serialization. See the README's design section for the measurement
 * behind this choice.
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

    /** Lists longer than this, or nested deeper, go through JDK serialization as a whole. */
    private static final int MAX_DEPTH = 8;

    private ValueCodec() {}

    public static byte[] encode(Object value) {
        Buffer out = new Buffer(
                value instanceof byte[] b ? b.length + 11 : value instanceof String str ? str.length() * 3 + 11 : 16);
        write(out, value, 0);
        return out.toArray();
    }

    public static ByteString encodeToByteString(Object value) {
        return ByteString.copyFrom(encode(value));
    }

    public static Object decode(ByteString bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        return decode(bytes.toByteArray(), loader);
    }

    public static Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        Reader in = new Reader(bytes);
        Object value = read(in, loader, 0);
        if (in.pos != bytes.length) {
            throw new IOException("trailing bytes after value (" + (bytes.length - in.pos) + ")");
        }
        return value;
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
        } else if (value instanceof Boolean b) {
            out.put(b ? TRUE : FALSE);
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
            case JAVA: {
                int n = in.length();
                InputStream stream = new java.io.ByteArrayInputStream(in.data, in.pos, n);
                in.skip(n);
                return JavaSerialization.deserialize(stream, loader, n);
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

        void put(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, data, size, bytes.length);
            size += bytes.length;
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

    /** Reads with bounds checks so that a malformed message fails cleanly instead of overreading. */
    private static final class Reader {
        private final byte[] data;
        private int pos;

        Reader(byte[] data) {
            this.data = data;
        }

        byte get() throws IOException {
            if (pos >= data.length) {
                throw new IOException("truncated value");
            }
            return data[pos++];
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
            if (n < 0 || n > data.length - pos) {
                throw new IOException("length " + n + " exceeds the " + (data.length - pos) + " bytes left");
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

        byte[] bytes(int n) {
            byte[] out = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return out;
        }

        void skip(int n) {
            pos += n;
        }
    }
}
