package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HclTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertThat(Hcl.string("a\"b\\c\nd\re\tf\u0001g\u007f")).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007F\"");
    }

    @Test
    void doublesTheSigilOfInterpolationsAndDirectivesOnly() {
        assertThat(Hcl.string("${var.x} %{if true}x%{endif} $5 100% {}"))
                .isEqualTo("\"$${var.x} %%{if true}x%%{endif} $5 100% {}\"");
        assertThat(Hcl.string("$${x}")).isEqualTo("\"$$${x}\"");
    }

    @Test
    void keepsNonAsciiText() {
        assertThat(Hcl.string("Zürich 東京 😀")).isEqualTo("\"Zürich 東京 😀\"");
    }

    @Test
    void refusesLoneSurrogates() {
        assertThatThrownBy(() -> Hcl.string("a\uD800b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("surrogate");
    }

    @Test
    void listsAndMapsEscapeEveryElement() {
        assertThat(Hcl.list(List.of("a", "\"b"))).isEqualTo("[\"a\", \"\\\"b\"]");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("k${x}", "v\n");
        assertThat(Hcl.map(m)).isEqualTo("{ \"k$${x}\" = \"v\\n\" }");
        assertThat(Hcl.map(Map.of())).isEqualTo("{}");
    }
}
