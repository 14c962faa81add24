package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0.0.0.0/0",
                "10.0.0.0/8",
                "203.0.113.7/32",
                "192.168.1.0/24",
                "::/0",
                "2001:db8::/64",
                "2001:db8:0:0:0:0:0:1/128",
                "fe80::1/10",
                "::ffff:10.0.0.1/128",
                "1::/16",
                "::1/128",
                "1:2:3:4:5:6:7::/112"
            })
    void acceptsCidrBlocks(String text) {
        assertThat(Cidr.isValid(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.1",
                "10.0.0.0/33",
                "256.0.0.0/8",
                "10.0.0/8",
                "10.0.0.0/",
                "10.0.0.0/08",
                "01.0.0.0/8",
                "2001:db8::/129",
                "2001::db8::1/64",
                "1:2:3:4:5:6:7:8:9/64",
                "1:2:3:4:5:6:7/64",
                "12345::/16",
                "g::/16",
                ":1::/16",
                "1:::2/64",
                "example.com/32",
                "10.0.0.0/8/8",
                "/8",
                "1:2:3:4:5:6:7:8::/64"
            })
    void rejectsEverythingElse(String text) {
        assertThat(Cidr.isValid(text)).isFalse();
    }
}
