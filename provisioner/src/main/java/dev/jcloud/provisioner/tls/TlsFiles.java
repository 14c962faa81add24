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
 */
public record TlsFiles(Path certificate, Path privateKey, Path ca) {

    /** Engine flag naming the certificate file. */
    public static final String CERT_FLAG = "--tls-cert";
    /** Engine flag naming the private key file (a path, never the key itself). */
    public static final String KEY_FLAG = "--tls-key";
    /** Engine flag naming the cluster CA file. */
    public static final String CA_FLAG = "--tls-ca";

    public TlsFiles {
        requireNonNull(certificate, "certificate is null");
        requireNonNull(privateKey, "privateKey is null");
        requireNonNull(ca, "ca is null");
    }

    /** {@code command} with the three TLS flags pointing at these files. */
    public EngineCommand applyTo(EngineCommand command) {
        return command.with(CERT_FLAG, certificate.toAbsolutePath().toString())
                .with(KEY_FLAG, privateKey.toAbsolutePath().toString())
                .with(CA_FLAG, ca.toAbsolutePath().toString());
    }

    /** {@code builder} set up for mutual TLS with these files. */
    public Client.Builder applyTo(Client.Builder builder) {
        return builder.mutualTls(certificate, privateKey, ca);
    }
}
