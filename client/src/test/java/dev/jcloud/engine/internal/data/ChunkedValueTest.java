package dev.jcloud.engine.internal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.proto.DataChunk;
import org.junit.jupiter.api.Test;

/** Values put together from their chunks, and the chunks that do not fit refused with what is wrong. */
class ChunkedValueTest {

    private static DataChunk chunk(long key, String data, long bodySize, boolean last) {
        return DataChunk.newBuilder()
                .setKey(key)
                .setFound(true)
                .setData(ByteString.copyFromUtf8(data))
                .setBodySize(bodySize)
                .setLast(last)
                .build();
    }

    @Test
    void anAnnouncedBodyIsFilledIntoOneArrayOfItsSize() throws Exception {
        ChunkedValue value = new ChunkedValue("value", 1 << 20);
        assertThat(value.add(chunk(7, "head", 6, false))).isNull();
        assertThat(value.add(chunk(7, "abc", 0, false))).isNull();
        EncodedValue whole = value.add(chunk(7, "def", 0, true));
        assertThat(whole.head().toStringUtf8()).isEqualTo("head");
        assertThat(new String(whole.body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("abcdef");
    }

    @Test
    void otherValuesAreTheirChunksJoined() throws Exception {
        ChunkedValue value = new ChunkedValue("value", 1 << 20);
        assertThat(value.add(chunk(7, "ab", 0, false))).isNull();
        EncodedValue whole = value.add(chunk(7, "cd", 0, true));
        assertThat(whole.toByteString().toStringUtf8()).isEqualTo("abcd");
        assertThat(whole.body()).isNull();
    }

    @Test
    void aNewKeyDropsTheValueNotFinished() throws Exception {
        ChunkedValue value = new ChunkedValue("value", 1 << 20);
        value.add(chunk(7, "head", 6, false));
        value.add(chunk(7, "abc", 0, false));
        EncodedValue next = value.add(chunk(8, "xy", 0, true));
        assertThat(next.toByteString().toStringUtf8()).isEqualTo("xy");
    }

    @Test
    void moreOrFewerBytesThanAnnouncedAreRefusedNamingTheKey() throws Exception {
        ChunkedValue value = new ChunkedValue("value", 1 << 20);
        value.add(chunk(0x2a, "head", 4, false));
        assertThatThrownBy(() -> value.add(chunk(0x2a, "abcde", 0, true)))
                .isInstanceOf(ChunkedValue.Malformed.class)
                .hasMessage("value 2a has more than the announced 4 bytes");

        value.add(chunk(0x2b, "head", 4, false));
        assertThatThrownBy(() -> value.add(chunk(0x2b, "abc", 0, true)))
                .hasMessage("value 2b ended after 3 of 4 bytes")
                .satisfies(
                        e -> assertThat(((ChunkedValue.Malformed) e).tooLarge()).isFalse());
    }

    @Test
    void aValueLargerThanAllowedIsRefusedForItsSize() throws Exception {
        ChunkedValue announced = new ChunkedValue("result", 10);
        assertThatThrownBy(() -> announced.add(chunk(0x2a, "head", 100, false)))
                .hasMessage("result 2a of 104 bytes exceeds 10")
                .satisfies(
                        e -> assertThat(((ChunkedValue.Malformed) e).tooLarge()).isTrue());

        ChunkedValue chunks = new ChunkedValue("result", 10);
        chunks.add(chunk(0x2b, "123456", 0, false));
        assertThatThrownBy(() -> chunks.add(chunk(0x2b, "789012", 0, true)))
                .hasMessage("result 2b of 12 bytes exceeds 10");
    }
}
