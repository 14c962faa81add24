package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "30s, PT30S",
        "15m, PT15M",
        "1h30m, PT1H30M",
        "500ms, PT0.5S",
        "2d, PT48H",
        "1.5h, PT1H30M",
        "PT15M, PT15M",
        "' 15M ', PT15M",
        "0, PT0S",
        "off, PT0S",
        "never, PT0S",
        "0s, PT0S",
    })
    void parsesShortAndIsoForms(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1h30m", "45s", "250ms", "2d", "1d1h1m1s1ms", "0"})
    void formatsCompactlyAndParsesBack(String text) {
        Duration d = Durations.parse(text);
        assertThat(Durations.format(d)).isEqualTo(text);
    }

    @Test
    void formatFallsBackToIsoForWhatTheShortFormCannotSay() {
        assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("PT0.0000015S");
        assertThat(Durations.parse(Durations.format(Duration.ofNanos(1500)))).isEqualTo(Duration.ofNanos(1500));
        assertThat(Durations.format(Duration.ofSeconds(-5))).isEqualTo("PT-5S");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "15", "1h 30m", "-5s", "PT-5S", "5x", "m"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a duration")
                .hasMessageContaining("15m");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Durations.parse(null)).hasMessageContaining("required");
    }
}
