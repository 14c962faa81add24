package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

    @ParameterizedTest
    @CsvSource({
        "4GiB, 4294967296",
        "4gib, 4294967296",
        "512MB, 512000000",
        "1.5g, 1610612736",
        "1024, 1024",
        "' 2 KiB ', 2048",
        "100B, 100",
        "1TB, 1000000000000",
        "0, 0",
    })
    void parsesBinaryAndDecimalUnits(String text, long bytes) {
        assertThat(ByteSize.parse(text).bytes()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4GiB", "1536MiB", "100B", "0B", "1KiB", "3TiB"})
    void formatsTheShortestExactFormAndParsesItBack(String text) {
        ByteSize size = ByteSize.parse(text);
        assertThat(size).hasToString(text);
        assertThat(ByteSize.parse(size.toString())).isEqualTo(size);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 1023, 1025, 4L << 30, (4L << 30) + 1, 123456789})
    void roundTripsAnyByteCount(long bytes) {
        ByteSize size = ByteSize.ofBytes(bytes);
        assertThat(ByteSize.parse(size.toString())).isEqualTo(size);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lots", "-1GiB", "4 GiB extra", "1e9"})
    void rejectsWhatIsNotASize(String text) {
        assertThatThrownBy(() -> ByteSize.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a size")
                .hasMessageContaining("4GiB");
    }

    @org.junit.jupiter.api.Test
    void namesAnUnknownUnit() {
        assertThatThrownBy(() -> ByteSize.parse("4XB"))
                .hasMessageContaining("unknown unit 'XB'")
                .hasMessageContaining("GiB");
    }

    @org.junit.jupiter.api.Test
    void rejectsNullTooLargeAndNegative() {
        assertThatThrownBy(() -> ByteSize.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ByteSize.parse("9999999TiB")).hasMessageContaining("too large");
        assertThatThrownBy(() -> ByteSize.ofBytes(-1)).hasMessageContaining("negative");
    }

    @org.junit.jupiter.api.Test
    void ordersBySize() {
        assertThat(ByteSize.ofMiB(1024)).isEqualByComparingTo(ByteSize.ofGiB(1));
        assertThat(ByteSize.parse("1GB")).isLessThan(ByteSize.parse("1GiB"));
    }
}
