package dev.jcloud.engine.internal.join;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cluster's join token, read from a file (never a flag value, so it stays out of process
 * listings and shell history). Only ever used as an HMAC key: it is never sent, logged or printed.
 */
public final class JoinToken {

    /** Where the Terraform boot scripts point at the token file they wrote (mode 0600). */
    public static final String FILE_ENV = "JCLOUD_JOIN_TOKEN_FILE";
    /**
     * As the Terraform modules demand: 32 characters of {@code openssl rand -hex 32} are 128 bits,
     * beyond an offline guess at a proof a man in the middle could record (see {@link JoinProtocol}).
     */
    static final int MIN_CHARS = 32;

    private static final int MAX_BYTES = 4096;

    private final byte[] secret;

    private JoinToken(byte[] secret) {
        this.secret = secret;
    }

    /**
     * Where ECS puts a secret it injects: Fargate task definitions can hand a container a secret
     * only as an environment variable, so there the token is the variable's value.
     */
    public static final String VALUE_ENV = "JCLOUD_JOIN_TOKEN";

    /** The token in {@value #VALUE_ENV}, or null when that is unset or blank. */
    public static JoinToken fromEnvironment() {
        String value = System.getenv(VALUE_ENV);
        return value == null || value.isBlank() ? null : of(value.strip(), "$" + VALUE_ENV);
    }

    /** The token file named by {@value #FILE_ENV}, or null when that is unset or blank. */
    public static Path defaultFile() {
        String env = System.getenv(FILE_ENV);
        return env == null || env.isBlank() ? null : Path.of(env.strip());
    }

    /**
     * Reads the token in {@code file}; surrounding white space (the newline of {@code echo}) is
     * not part of it.
     *
     * @param flag how the user named the file (e.g. {@code --join-token-file}), for the error message
     * @throws IllegalArgumentException when the file is unreadable, empty, too short or too long
     */
    public static JoinToken read(Path file, String flag) {
        byte[] raw;
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(
                        flag + ": cannot read " + file + " (it must be a file holding the" + " cluster's join token)");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(flag + ": " + file + " is larger than " + MAX_BYTES
                        + " bytes; it must hold only the cluster's join token");
            }
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    flag + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
        String text = new String(raw, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(flag + ": " + file + " is empty; it must hold the cluster's join token");
        }
        return of(text, flag + ": the join token in " + file);
    }

    private static JoinToken of(String text, String where) {
        if (text.length() < MIN_CHARS) {
            throw new IllegalArgumentException(where + " is too short (" + text.length() + " characters, at least "
                    + MIN_CHARS + " needed, e.g. openssl rand -hex 32)");
        }
        if (text.length() > MAX_BYTES) {
            throw new IllegalArgumentException(where + " is longer than " + MAX_BYTES + " characters");
        }
        return new JoinToken(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The dashboard token of a cluster that admits by this join token: derived (HMAC-SHA256 under a
     * label of its own, base64url), so the scheduler and every holder of the join token agree on it
     * without a second secret to distribute, and it reveals nothing of the join token.
     */
    public String dashboardToken() {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            return java.util.Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal("jcloud-dashboard-token-v1".getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** The key of the join proofs. */
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public String toString() {
        return "JoinToken[redacted]";
    }
}
