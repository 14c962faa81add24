package dev.jcloud.provisioner.tls;

import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.EngineCommand;
import java.nio.file.Path;

/**
 * One party's TLS material as files: its certificate, its private key, and the cluster CA it
 * trusts. Only paths travel (on command lines, in state); the key's content stays in its file.
 *
 * @param certificate PEM certificate chain of this party
 * @param privateKey  PEM (PKCS#8) private key, mode 0600
 * @param ca          PEM certificate of the cluster CA, the only issuer this party trusts
 * @param serverName  the name the cluster's certificates carry instead of addresses (cloud
 *                    clusters), checked when dialling; null to check the address
 */
public record TlsFiles(Path certificate, Path privateKey, Path ca, String serverName) {

    /** Engine flag naming the certificate file. */
    public static final String CERT_FLAG = "--tls-cert";
    /** Engine flag naming the private key file (a path, never the key itself). */
    public static final String KEY_FLAG = "--tls-key";
    /** Engine flag naming the cluster CA file. */
    public static final String CA_FLAG = "--tls-ca";
    /** Engine flag naming the name certificates carry instead of addresses. */
    public static final String SERVER_NAME_FLAG = "--tls-server-name";

    public TlsFiles(Path certificate, Path privateKey, Path ca) {
        this(certificate, privateKey, ca, null);
    }

    public TlsFiles {
        requireNonNull(certificate, "certificate is null");
        requireNonNull(privateKey, "privateKey is null");
        requireNonNull(ca, "ca is null");
    }

    /** {@code command} with the three TLS flags pointing at these files. */
    public EngineCommand applyTo(EngineCommand command) {
        EngineCommand c = command.with(CERT_FLAG, certificate.toAbsolutePath().toString())
                .with(KEY_FLAG, privateKey.toAbsolutePath().toString())
                .with(CA_FLAG, ca.toAbsolutePath().toString());
        return serverName == null ? c : c.with(SERVER_NAME_FLAG, serverName);
    }

    /** {@code builder} set up for mutual TLS with these files. */
    public Client.Builder applyTo(Client.Builder builder) {
        return serverName == null
                ? builder.mutualTls(certificate, privateKey, ca)
                : builder.mutualTls(certificate, privateKey, ca, serverName);
    }
}
