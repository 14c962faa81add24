package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedactorTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "cluster.tags.api-token",
                "x.client-secret",
                "db.PASSWORD",
                "azure.credential",
                "aws.credentials-file",
                "token"
            })
    void secretWordsInTheLastSegmentMarkASecret(String key) {
        assertThat(Redactor.isSecretKey(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"cluster.workers", "aws.key-pair-name", "token.name", "secrets.count", "cluster.tags.owner"})
    void otherKeysAreNotSecret(String key) {
        assertThat(Redactor.isSecretKey(key)).isFalse();
    }

    @Test
    void redactsEveryOccurrenceLongestFirst() {
        assertThat(Redactor.redact("user=abc pass=abcdef again abcdef", List.of("abc", "abcdef")))
                .isEqualTo("user=****** pass=****** again ******");
    }

    @Test
    void ignoresNullAndEmptySecrets() {
        assertThat(Redactor.redact("plain text", Arrays.asList(null, "", "absent")))
                .isEqualTo("plain text");
        assertThat(Redactor.redact(null, List.of("x"))).isNull();
        assertThat(Redactor.redact("x", null)).isEqualTo("x");
    }
}
