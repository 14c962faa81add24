package dev.jcloud.engine.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-cluster secret that opens the dashboard and {@code /metrics}: browsers cannot present
 * the cluster's client certificate, so the HTTP port takes this token instead (as
 * {@code Authorization: Bearer}, or once as {@code ?token=} in exchange for a session cookie).
 *
 * <p>The session cookie is derived from the token (an HMAC), so the scheduler keeps no session
 * state and a cookie stops working when the token changes. Comparisons are constant-time.
 * {@link #toString} never shows the token.
 */
public final class DashboardToken {

    /** How the dashboard port asks for the token ({@code WWW-Authenticate}); probes recognise the engine by it. */
    public static final String REALM = "Bearer realm=\"jcloud\"";
    /** Shorter tokens are refused: a token is the only thing between the network and task data. */
    public static final int MIN_LENGTH = 16;

    private static final int MAX_LENGTH = 512;

    private final byte[] token;
    private final String session;
    private final String cookieName;

    private DashboardToken(String token) {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.session = hmac(this.token, "jcloud-dashboard-session-v1");
        // Per cluster: two dashboards forwarded to 127.0.0.1 share the browser's cookies for that
        // host (cookies ignore ports), and must not overwrite each other's session.
        this.cookieName = "jcloud_dashboard_"
                + hmac(this.token, "jcloud-dashboard-cookie-name-v1").substring(0, 12);
    }

    /**
     * A token from its text: {@value #MIN_LENGTH} to 512 ASCII letters, digits and {@code - _ . ~}
     * (URL-safe as it is: it travels in headers, cookies and URLs).
     */
    public static DashboardToken of(String token) {
        Objects.requireNonNull(token, "token is null");
        if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a dashboard token has " + MIN_LENGTH + " to " + MAX_LENGTH
                    + " characters (this one has " + token.length() + ")");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x7f) && "-_.~".indexOf(c) < 0) {
                throw new IllegalArgumentException("a dashboard token holds only ASCII letters, digits and - _ . ~"
                        + " (it travels unescaped in headers, cookies and URLs; character " + (i + 1) + " is not one)");
            }
        }
        return new DashboardToken(token);
    }

    /**
     * The token in {@code file} (surrounding whitespace ignored).
     *
     * @throws IllegalArgumentException naming the file (never its content) when it cannot be read
     *                                  or holds no valid token
     */
    public static DashboardToken readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the dashboard token file " + file + ": " + e, e);
        }
        try {
            return of(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code presented} is this token (constant time). */
    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** The session cookie's value: derived from the token, useless for anything else. */
    String session() {
        return session;
    }

    /** The session cookie's name: derived from the token, so each cluster's is its own. */
    String cookieName() {
        return cookieName;
    }

    /** Whether {@code cookieValue} is this token's session (constant time). */
    boolean matchesSession(String cookieValue) {
        return cookieValue != null
                && MessageDigest.isEqual(
                        session.getBytes(StandardCharsets.US_ASCII), cookieValue.getBytes(StandardCharsets.US_ASCII));
    }

    private static String hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(mac.doFinal(message.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "DashboardToken[redacted]";
    }
}
