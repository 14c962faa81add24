package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * The TLS material a cluster's machines need, kept where only they can read it: SSM Parameter
 * Store SecureString parameters under {@code /jcloud/<cluster-id>/}, which the cluster's instance
 * role (and nobody else jcloud creates) may read. The CA's private key and the client's key never
 * leave the user's machine; what is stored is the CA certificate, the scheduler's certificate and
 * key, and the certificate and key the workers share. Nothing of it appears in user-data, tags or
 * logs: the boot script fetches it with {@link ParameterFiles} at boot.
 *
 * <p>Worker admission is therefore by cloud identity: a machine can join only if it runs with the
 * cluster's instance role, which only this cluster's launches attach.
 */
final class ClusterSecrets {

    /** The files the scheduler needs (stored under the same names). */
    static final List<String> SCHEDULER_FILES =
            List.of("ca.pem", "scheduler.pem", "scheduler-key.pem", DashboardLogin.FILE);
    /** The files a worker needs. */
    static final List<String> WORKER_FILES = List.of("ca.pem", "worker.pem", "worker-key.pem");

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecrets.class);

    private final SsmClient ssm;

    ClusterSecrets(SsmClient ssm) {
        this.ssm = ssm;
    }

    /** {@code /jcloud/<cluster-id>/}: the path the instance role may read. */
    static String prefix(ClusterContext cluster) {
        return "/jcloud/" + cluster.id() + "/";
    }

    /**
     * Makes the cluster's CA and certificates in its local TLS directory (unless there already) and
     * stores what the machines need as SecureString parameters.
     */
    void ensure(ClusterContext cluster, Map<String, String> tags) {
        Path dir = cluster.workDir().resolve(ClusterTrust.DIRECTORY);
        if (!Files.isRegularFile(dir.resolve("worker.pem"))) {
            ClusterTrust.createForCloud(dir, cluster.name(), cluster.id());
        }
        DashboardLogin.ensure(dir);
        List<String> files = new ArrayList<>(SCHEDULER_FILES);
        WORKER_FILES.stream().filter(f -> !files.contains(f)).forEach(files::add);
        for (String file : files) {
            String value = read(dir.resolve(file));
            String name = prefix(cluster) + file;
            try {
                ssm.getParameter(r -> r.name(name));
                ssm.putParameter(r -> r.name(name)
                        .value(value)
                        .type(ParameterType.SECURE_STRING)
                        .overwrite(true));
            } catch (ParameterNotFoundException e) {
                ssm.putParameter(r -> r.name(name)
                        .value(value)
                        .type(ParameterType.SECURE_STRING)
                        .description("jcloud cluster " + cluster.name() + ": TLS material for its machines")
                        .tags(tags.entrySet().stream()
                                .map(t -> software.amazon.awssdk.services.ssm.model.Tag.builder()
                                        .key(t.getKey())
                                        .value(t.getValue())
                                        .build())
                                .toList()));
            }
        }
        LOG.info(
                "{}: stored the machines' TLS material as SecureString parameters under {}",
                cluster.name(),
                prefix(cluster));
    }

    /** Deletes the cluster's parameters; nothing to do when they are gone. */
    void delete(ClusterContext cluster) {
        List<String> names = new ArrayList<>();
        ssm.getParametersByPathPaginator(r -> r.path(prefix(cluster)).recursive(true))
                .forEach(page -> page.parameters().forEach(p -> names.add(p.name())));
        for (int from = 0; from < names.size(); from += 10) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + 10));
            ssm.deleteParameters(r -> r.names(batch));
        }
        if (!names.isEmpty()) {
            LOG.info("{}: deleted {} parameter(s) under {}", cluster.name(), names.size(), prefix(cluster));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
