package dev.jcloud.engine.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ByteBuffer} values: their remaining bytes and their byte order arrive as a heap buffer;
 * a large one is a value's body (no copy for a heap buffer over a whole array, one otherwise), so
 * it travels and spills as a {@code byte[]} does.
 */
class ByteBufferValuesTest {

    private static final ClassLoader LOADER = ByteBufferValuesTest.class.getClassLoader();

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    private static ByteBuffer decoded(EncodedValue value) throws Exception {
        return (ByteBuffer) ValueCodec.decode(value, LOADER);
    }

    @Test
    void aLargeHeapBufferOverAWholeArrayBecomesTheBodyUncopied() throws Exception {
        byte[] array = pattern(1 << 20);
        EncodedValue value = ValueCodec.encodeValue(ByteBuffer.wrap(array).order(ByteOrder.LITTLE_ENDIAN));

        assertThat(value.body()).isSameAs(array);
        ByteBuffer back = decoded(value);
        assertThat(back.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(back.array()).isSameAs(array);
        assertThat(back.position()).isZero();
        assertThat(back.remaining()).isEqualTo(1 << 20);
    }

    @Test
    void directReadOnlyAndSlicedBuffersSendTheirRemainingBytesOnceAndKeepTheirPosition() throws Exception {
        byte[] array = pattern(100_000);
        ByteBuffer direct = ByteBuffer.allocateDirect(array.length).put(array).flip();
        direct.position(10);
        ByteBuffer readOnly = ByteBuffer.wrap(array).asReadOnlyBuffer();
        ByteBuffer slice = ByteBuffer.wrap(array, 5, 50_000).slice();

        for (ByteBuffer b : List.of(direct, readOnly, slice)) {
            int position = b.position();
            EncodedValue value = ValueCodec.encodeValue(b);
            assertThat(value.body()).isNotSameAs(array).isEqualTo(copyOfRemaining(b));
            assertThat(b.position()).isEqualTo(position);
            ByteBuffer back = decoded(value);
            assertThat(back.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(back).isEqualTo(b);
        }
    }

    @Test
    void smallBuffersAndBuffersInListsTravelInline() throws Exception {
        ByteBuffer small = ByteBuffer.wrap(pattern(100)).order(ByteOrder.LITTLE_ENDIAN);
        EncodedValue value = ValueCodec.encodeValue(small);
        assertThat(value.body()).isNull();
        assertThat(decoded(value)).isEqualTo(small);
        assertThat(decoded(value).order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);

        ByteBuffer large = ByteBuffer.wrap(pattern(10_000));
        Object list = ValueCodec.decode(
                ValueCodec.encodeValue(List.of(small, large, 7L)).toByteString(), LOADER);
        assertThat(list).isEqualTo(List.of(small, large, 7L));
        assertThat(small.position()).isZero();
    }

    @Test
    void aBodyArrivingAsOneStringOfBytesDecodesTheSame() throws Exception {
        // A value read back from a spill file or received in chunks is one run of bytes; the head
        // says where the body starts.
        ByteBuffer b = ByteBuffer.wrap(pattern(50_000)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] flat = ValueCodec.encodeValue(b).toByteString().toByteArray();
        int head = ValueCodec.bodyOffset(flat, 11, flat.length);
        assertThat(head).isPositive();

        EncodedValue split = EncodedValue.of(
                com.google.protobuf.ByteString.copyFrom(flat, 0, head),
                java.util.Arrays.copyOfRange(flat, head, flat.length));
        assertThat(decoded(split)).isEqualTo(b);
        assertThat(decoded(split).order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(ValueCodec.decode(flat, LOADER)).isEqualTo(b);
    }

    private static byte[] copyOfRemaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
