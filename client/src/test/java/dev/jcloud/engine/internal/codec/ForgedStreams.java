package dev.jcloud.engine.internal.codec;

/** Hostile Java serialization streams for the decoders' tests. */
public final class ForgedStreams {

    private ForgedStreams() {}

    /**
     * {@code serialized} (a serialized array of {@code realLength} ints) with its length field
     * claiming {@code forged} elements: what an attacker sends to make a reader allocate gigabytes.
     */
    public static byte[] arrayLength(byte[] serialized, int realLength, int forged) {
        byte[] b = serialized.clone();
        for (int i = b.length - 4 * realLength - 4; i >= 0; i--) {
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 0 && b[i + 3] == realLength) {
                b[i] = (byte) (forged >>> 24);
                b[i + 1] = (byte) (forged >>> 16);
                b[i + 2] = (byte) (forged >>> 8);
                b[i + 3] = (byte) forged;
                return b;
            }
        }
        throw new AssertionError("no array length found");
    }
}
