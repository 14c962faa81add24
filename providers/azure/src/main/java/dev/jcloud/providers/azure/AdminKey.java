package dev.jcloud.providers.azure;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/**
 * The SSH public key Azure requires for a Linux VM with password login disabled. The private half
 * is thrown away at once: nobody can log in to a cluster machine (and port 22 is not open), and
 * there is no key to keep safe or leak. Debugging goes through the serial console log.
 */
final class AdminKey {

    private static final String PUBLIC_KEY = generate();

    private AdminKey() {}

    /** {@code ssh-rsa AAAA... jcloud-no-login}, the same for every VM this process creates. */
    static String publicKey() {
        return PUBLIC_KEY;
    }

    private static String generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            // 2048 bits, Azure's minimum: the private half is discarded, so its strength protects nothing.
            g.initialize(2048);
            RSAPublicKey key = (RSAPublicKey) g.generateKeyPair().getPublic();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeString(out, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
            writeString(out, key.getPublicExponent().toByteArray());
            writeString(out, key.getModulus().toByteArray());
            return "ssh-rsa " + Base64.getEncoder().encodeToString(out.toByteArray()) + " jcloud-no-login";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate RSA keys", e);
        }
    }

    /** RFC 4251 string/mpint: a 4-byte big-endian length, then the bytes (BigInteger's are already mpint). */
    private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
        int n = bytes.length;
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        out.write(bytes, 0, n);
    }
}
