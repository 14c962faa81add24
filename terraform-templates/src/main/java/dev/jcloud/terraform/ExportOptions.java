package dev.jcloud.terraform;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.net.Cidrs;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Helpers for a {@link TerraformExport} reading a cluster's options: every message names the
 * option key, so that the command line can name the flag the user gave for it.
 */
public final class ExportOptions {

    private ExportOptions() {}

    /**
     * The engine download: the one given on the command line, or else the URL and SHA-256 the
     * options carry under {@code urlKey} and {@code shaKey}.
     *
     * @throws IllegalArgumentException when neither gives both, or they are not a valid download
     */
    public static EngineArtifact engine(
            Optional<EngineArtifact> given, Map<String, String> options, String urlKey, String shaKey) {
        if (given.isPresent()) {
            return given.get();
        }
        String url = options.get(urlKey);
        String sha = options.get(shaKey);
        if (url == null || sha == null) {
            throw new IllegalArgumentException("--engine-url and --engine-sha256: missing (or set " + urlKey + " and "
                    + shaKey + "); the machines download the engine from that URL and start it only if its"
                    + " SHA-256 matches");
        }
        try {
            return EngineArtifact.of(new URI(url), sha);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(urlKey + ": not a URL: '" + url + "'");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(urlKey + "/" + shaKey + ": " + e.getMessage());
        }
    }

    /** The comma-separated values of {@code key}, stripped; empty when absent or blank. */
    public static List<String> list(Map<String, String> options, String key) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** The IPv4 CIDR blocks of {@code key}, each checked as the clouds' firewalls accept it ({@link Cidrs#check}). */
    public static List<String> cidrs(Map<String, String> options, String key) {
        return list(options, key).stream().map(c -> Cidrs.check(key, c)).toList();
    }

    /** The options under {@code prefix} (e.g. user tags), keyed by the rest of their key. */
    public static Map<String, String> prefixed(Map<String, String> options, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        options.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /**
     * {@code value} when it matches {@code format}.
     *
     * @throws IllegalArgumentException {@code "<key>: must be <expected>, was '<value>'"}
     */
    public static String check(String key, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException(key + ": must be " + expected + ", was '" + value + "'");
        }
        return value;
    }
}
