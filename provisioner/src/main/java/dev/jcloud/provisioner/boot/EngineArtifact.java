package dev.jcloud.provisioner.boot;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a machine downloads the engine from, and the SHA-256 it must have. The URL is typically
 * short-lived (an S3 presigned URL); the checksum makes sure the machine runs exactly the engine
 * of the client that created the cluster, whatever served the bytes.
 *
 * @param url    an {@code https}, {@code http}, {@code s3}-presigned or (tests) {@code file} URL
 * @param sha256 64 hex digits
 * @param format a single JAR holding the engine and its dependencies, or a {@code .tar.gz} with
 *               the JARs under {@code lib/}
 */
public record EngineArtifact(URI url, String sha256, Format format) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** How the artifact is laid out. */
    public enum Format {
        /** One JAR with the engine and all its dependencies. */
        JAR,
        /** A gzipped tarball with the JARs under {@code lib/}. */
        TAR_GZ
    }

    public EngineArtifact {
        requireNonNull(url, "url is null");
        requireNonNull(sha256, "sha256 is null");
        requireNonNull(format, "format is null");
        sha256 = sha256.toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("engine checksum must be 64 hex digits (SHA-256), was '" + sha256 + "'");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("file")) {
            throw new IllegalArgumentException("engine URL must be https, http or file, was '" + url + "'");
        }
    }

    /** The format implied by the URL's path: {@code .tar.gz}/{@code .tgz} is a tarball, anything else a JAR. */
    public static EngineArtifact of(URI url, String sha256) {
        String path = url.getPath() == null ? "" : url.getPath().toLowerCase(Locale.ROOT);
        Format format = path.endsWith(".tar.gz") || path.endsWith(".tgz") ? Format.TAR_GZ : Format.JAR;
        return new EngineArtifact(url, sha256, format);
    }
}
