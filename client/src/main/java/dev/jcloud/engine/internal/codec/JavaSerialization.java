package dev.jcloud.engine.internal.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;

/**
 * JDK serialization with an explicit class loader: the one place objects of user classes are
 * written and read. Reading happens only for messages of authenticated parties.
 */
public final class JavaSerialization {

    /** Deeper object graphs than this are not what tasks exchange; a forged stream could recurse until the stack overflows. */
    private static final long MAX_DEPTH = 2000;

    private JavaSerialization() {}

    public static byte[] serialize(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException(
                    "cannot send " + value.getClass().getName()
                            + " to the cluster: " + e.getMessage() + " is not Serializable"
                            + " (make it implement java.io.Serializable, or capture only serializable values in the lambda)",
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads one object from a stream of {@code size} bytes; a missing class surfaces as
     * {@link ClassNotFoundException} naming it. Malformed input fails with an
     * {@link IOException}, never a runtime error: arrays longer than the input could hold (a
     * forged length that would otherwise allocate gigabytes) and absurd nesting are rejected
     * before anything is allocated.
     */
    public static Object deserialize(InputStream in, ClassLoader loader, long size)
            throws IOException, ClassNotFoundException {
        try (ObjectInputStream objects = new LoaderObjectInputStream(in, loader)) {
            objects.setObjectInputFilter(info -> {
                if (info.arrayLength() > size || info.depth() > MAX_DEPTH || info.streamBytes() > size) {
                    return ObjectInputFilter.Status.REJECTED;
                }
                return ObjectInputFilter.Status.UNDECIDED;
            });
            return objects.readObject();
        } catch (RuntimeException | StackOverflowError e) {
            // Corrupt streams make ObjectInputStream throw all kinds of unchecked errors.
            InvalidObjectException failure = new InvalidObjectException("malformed serialized value: " + e);
            failure.initCause(e);
            throw failure;
        }
    }

    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc); // primitives and arrays of them
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException, ClassNotFoundException {
            Class<?>[] classes = new Class<?>[interfaces.length];
            for (int i = 0; i < interfaces.length; i++) {
                classes[i] = Class.forName(interfaces[i], false, loader);
            }
            @SuppressWarnings("deprecation")
            Class<?> proxy = Proxy.getProxyClass(loader, classes);
            return proxy;
        }
    }
}
