package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

/**
 * One effective setting and where it came from, as shown by {@code jcloud config show --sources}.
 *
 * @param key          the key path, e.g. {@code cluster.workers} or {@code cluster.tags.team}
 * @param displayValue the value as a user would write it ({@code 20m}, {@code 4GiB}, {@code null});
 *                     {@value Redactor#MASK} for secrets
 * @param source       {@code default}, a file path ({@code ~} for the home directory),
 *                     {@code env JCLOUD_…} or {@code flag --…}
 */
public record SettingValue(String key, String displayValue, String source) {

    public SettingValue {
        requireNonNull(key, "key is null");
        requireNonNull(displayValue, "displayValue is null");
        requireNonNull(source, "source is null");
    }
}
