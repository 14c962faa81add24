package dev.jcloud.engine.internal.join;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The join protocol: how a machine that holds only the cluster's join token (a Terraform cluster's
 * worker, or its user) gets a certificate of the cluster's CA, which the scheduler makes in memory
 * when it starts.
 *
 * <ol>
 *   <li>The joiner opens TLS to the scheduler trusting any certificate, for this one call only,
 *       and keeps the SHA-256 fingerprint {@code F} of the certificate it was shown.</li>
 *   <li>It makes a fresh EC P-256 key pair and sends {@code Join{public key, role, nonce, proof}},
 *       {@code proof = HMAC-SHA256(token, "jcloud-join-v1" | role | public key | nonce | F)}.</li>
 *   <li>The scheduler recomputes the proof with the fingerprint of <em>its own</em> certificate and
 *       compares in constant time. It answers {@code {certificate for that public key, CA
 *       certificate, proof2}}, {@code proof2 = HMAC-SHA256(token, "jcloud-join-v1-scheduler" | CA |
 *       certificate | nonce)}.</li>
 *   <li>The joiner checks proof2 (and that the certificate is for its key and signed by that CA)
 *       before it trusts the CA, then reconnects with ordinary mutual TLS, trusting only that CA.</li>
 * </ol>
 *
 * <p>Why this holds. A man in the middle must show the joiner a certificate of its own, so the
 * joiner's proof names that certificate's fingerprint; relayed to the scheduler, it does not match
 * the scheduler's fingerprint and is refused, and without the token the relay cannot make a proof
 * of its own. It cannot forge proof2 either, so it cannot plant a CA of its own in the joiner. The
 * token never crosses the wire, only HMACs; a recorded proof would allow an offline guess at a weak
 * token, which is why tokens have at least 32 characters ({@link JoinToken}). A replayed request
 * gets a certificate for the original joiner's public key, useless without its private key, which
 * never leaves the joiner. Roles are inside the proof, so a request cannot be turned into another
 * role's. Fields are length-prefixed, so no two different inputs hash the same bytes. Bad proofs
 * are refused, logged and rate-limited per source (by the scheduler's admission service).
 *
 * <p>What it does not do: the token stays valid as long as the cluster (it is the Terraform
 * secret), certificates are not revoked, and a restarted scheduler has a new CA, so its members
 * join again.
 */
public final class JoinProtocol {

    public static final String ROLE_WORKER = "worker";
    public static final String ROLE_CLIENT = "client";
    /** What a member may be called in a certificate and what a scheduler may name itself: the server name. */
    public static final java.util.regex.Pattern SERVER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{0,64}");

    public static final String REQUEST_LABEL = "jcloud-join-v1";
    public static final String REPLY_LABEL = "jcloud-join-v1-scheduler";
    public static final int PROOF_BYTES = 32;
    public static final int MIN_NONCE_BYTES = 16;
    public static final int MAX_NONCE_BYTES = 64;

    private JoinProtocol() {}

    /** {@code name} as a join request may carry it: letters, digits, '.', '_' and '-', at most 64. */
    public static String requestName(String name) {
        String cleaned = name == null ? "" : name.replaceAll("[^A-Za-z0-9._-]", "-");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
    }

    /** The joiner's proof that it holds the token, bound to the server certificate it saw ({@code fingerprint}). */
    public static byte[] requestProof(byte[] token, String role, byte[] publicKey, byte[] nonce, byte[] fingerprint) {
        return hmac(
                token,
                REQUEST_LABEL.getBytes(StandardCharsets.UTF_8),
                role.getBytes(StandardCharsets.UTF_8),
                publicKey,
                nonce,
                fingerprint);
    }

    /** The scheduler's proof that it holds the token, over what it hands out. */
    public static byte[] replyProof(byte[] token, byte[] caDer, byte[] certificateDer, byte[] nonce) {
        return hmac(token, REPLY_LABEL.getBytes(StandardCharsets.UTF_8), caDer, certificateDer, nonce);
    }

    /** SHA-256 of a certificate's DER encoding. */
    public static byte[] fingerprint(byte[] certificateDer) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificateDer);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** Constant-time comparison: how long it takes says nothing about where two proofs differ. */
    public static boolean same(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] hmac(byte[] key, byte[]... fields) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] f : fields) {
                mac.update(ByteBuffer.allocate(4).putInt(f.length).array());
                mac.update(f);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }
}
