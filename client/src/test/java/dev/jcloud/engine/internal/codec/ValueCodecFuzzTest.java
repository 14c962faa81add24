package dev.jcloud.engine.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: random and mutated byte arrays fed to the value decoder
 * either decode or fail with a checked exception; never an unchecked error, a hang, or a huge
 * allocation from a forged length.
 */
class ValueCodecFuzzTest {

    private static final int CASES = 100_000;
    private static final ClassLoader LOADER = ValueCodecFuzzTest.class.getClassLoader();

    @Test
    void randomAndMutatedInputsFailCleanly() {
        Random random = new Random(20261121L);
        List<byte[]> seeds = seeds();
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int i = 0; i < CASES && System.nanoTime() < deadline; i++) {
            byte[] input = i % 4 == 0 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                ValueCodec.decode(input, LOADER);
            } catch (IOException | ClassNotFoundException expected) {
                // a clean rejection
            } catch (Throwable t) {
                fail(
                        "case " + i + " (" + Arrays.toString(Arrays.copyOf(input, Math.min(64, input.length)))
                                + ") threw " + t,
                        t);
            }
        }
    }

    @Test
    void forgedLengthsFailFastWithoutAllocating() {
        // BYTES tag with a length of 2^31-1 and no data.
        byte[] forgedBytes = {5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        assertThatThrownBy(() -> ValueCodec.decode(forgedBytes, LOADER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exceeds");
        // A serialized int[] whose length field claims 2^31-1 elements.
        byte[] array = JavaSerialization.serialize(new int[] {1, 2, 3});
        byte[] forgedArray = withJavaTag(ForgedStreams.arrayLength(array, 3, Integer.MAX_VALUE));
        assertThatThrownBy(() -> ValueCodec.decode(forgedArray, LOADER)).isInstanceOf(IOException.class);
        // Lists nested far deeper than the encoder ever writes.
        byte[] deep = new byte[200_001];
        for (int i = 0; i < 100_000; i++) {
            deep[2 * i] = 8;
            deep[2 * i + 1] = 1;
        }
        assertThatThrownBy(() -> ValueCodec.decode(deep, LOADER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("nested");
    }

    @Test
    void valuesStillRoundTrip() throws Exception {
        for (Object v :
                List.of(42L, "héllo", List.of(1L, List.of("x", 2.5)), new HashMap<>(java.util.Map.of("k", 1)))) {
            assertThat(ValueCodec.decode(ValueCodec.encode(v), LOADER)).isEqualTo(v);
        }
        assertThat((int[]) ValueCodec.decode(ValueCodec.encode(new int[] {1, 2}), LOADER))
                .containsExactly(1, 2);
    }

    private static List<byte[]> seeds() {
        List<Object> values = new ArrayList<>(List.of(
                0L,
                -1L,
                Long.MAX_VALUE,
                7,
                3.25,
                "",
                "text with ünïcode",
                new byte[] {1, 2, 3},
                true,
                false,
                List.of(1L, "a", List.of(2L, 3L)),
                new ArrayList<>(List.of(List.of(List.of(1L))))));
        values.add(new HashMap<>(java.util.Map.of("a", List.of(1, 2), "b", new int[] {4, 5})));
        values.add(new java.util.TreeSet<>(List.of("x", "y")));
        values.add(new long[] {1, 2, 3});
        values.add(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        values.add(new IllegalStateException("boom"));
        List<byte[]> out = new ArrayList<>();
        for (Object v : values) {
            out.add(ValueCodec.encode(v));
        }
        out.add(new byte[0]);
        return out;
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(64)];
        random.nextBytes(b);
        if (b.length > 0 && random.nextBoolean()) {
            b[0] = (byte) random.nextInt(10); // a valid tag, so the decoder goes deeper
        }
        return b;
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    if (b.length > 0) {
                        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1)); // truncate
                case 3 -> { // extend
                    byte[] longer = Arrays.copyOf(b, b.length + 1 + random.nextInt(8));
                    for (int i = b.length; i < longer.length; i++) {
                        longer[i] = (byte) random.nextInt(256);
                    }
                    b = longer;
                }
                default -> { // 0xFF run: huge varints/lengths
                    if (b.length > 0) {
                        int at = random.nextInt(b.length);
                        for (int i = at; i < Math.min(b.length, at + 5); i++) {
                            b[i] = (byte) 0xFF;
                        }
                    }
                }
            }
        }
        return b;
    }

    /** Overwrites the 4-byte big-endian array length that precedes the elements of a serialized int[]. */
    private static byte[] withJavaTag(byte[] java) {
        byte[] out = new byte[java.length + 6];
        int pos = 0;
        out[pos++] = 9;
        long n = java.length;
        while ((n & ~0x7FL) != 0) {
            out[pos++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out[pos++] = (byte) n;
        System.arraycopy(java, 0, out, pos, java.length);
        return Arrays.copyOf(out, pos + java.length);
    }
}
