package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.net.Transports;

/**
 * Refuses a plaintext listener that other machines can reach unless {@code --insecure} says so:
 * whoever reaches the engine port of a plaintext scheduler runs code with this machine's identity,
 * and a plaintext worker's data port hands out stored results.
 */
final class PlaintextExposure {

    /** The flag that accepts a plaintext listener off loopback. */
    static final String INSECURE_FLAG = "--insecure";

    private PlaintextExposure() {}

    /**
     * Passes when the process encrypts ({@code secure}), listens on loopback only, or was given
     * {@value #INSECURE_FLAG}; otherwise throws the one-line refusal.
     */
    static void check(String role, String risk, String host, int port, boolean secure, boolean insecure) {
        if (secure || insecure || Transports.isLoopbackBind(host)) {
            return;
        }
        throw new IllegalArgumentException("the " + role + " would listen on " + host + (port > 0 ? ":" + port : "")
                + " in plaintext, so anyone who reaches it could " + risk + ": give --tls-cert/--tls-key/--tls-ca"
                + " (the files `jcloud cluster up --tls` makes) or --join-token-file, listen on loopback only with"
                + " --host 127.0.0.1, or accept the exposure with " + INSECURE_FLAG);
    }
}
