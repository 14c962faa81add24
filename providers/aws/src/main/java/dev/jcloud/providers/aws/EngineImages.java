package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineBundle;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.Tag;

/**
 * The engine image of Fargate clusters that name no {@code fargate.image}: built from this
 * process's {@link EngineBundle} ({@link EngineImage}) and pushed once per engine version to a
 * private ECR repository of the account and region, {@value #REPOSITORY}, tagged with the
 * engine's SHA-256. An {@code up} whose tag is there already pushes nothing.
 *
 * <p>The repository is the container counterpart of the EC2 engine bucket: shared by the
 * account's clusters as a cache, so it carries jcloud's shared tags ({@code jcloud.shared},
 * the version) rather than one cluster's, and {@code down} and {@code gc} of a cluster leave it
 * (as they leave the bucket); images are encrypted at rest by ECR (AES-256) and private to the
 * account. The tasks' execution role may pull from this repository only
 * ({@link TaskPolicies#executionPolicy}).
 *
 * <p>The push goes to the registry ECR names in its authorization data ({@code proxyEndpoint}),
 * with ECR's short-lived token. {@code registryEndpoint} replaces that address for tests only
 * (an emulated ECR names a registry that does not exist): the push then goes to that
 * {@code http://} or {@code https://} registry, while task definitions keep the ECR name.
 */
final class EngineImages {

    /** The account's engine repository in each region. */
    static final String REPOSITORY = "jcloud-engine";

    private static final Logger LOG = LoggerFactory.getLogger(EngineImages.class);

    private final EcrClient ecr;
    private final Optional<URI> registryEndpoint;

    EngineImages(EcrClient ecr, Optional<URI> registryEndpoint) {
        this.ecr = ecr;
        this.registryEndpoint = registryEndpoint;
    }

    /**
     * The image reference task definitions use for {@code bundle}'s engine, pushed first unless
     * the repository has it already.
     */
    String ensure(EngineBundle bundle, String baseImage, java.nio.file.Path cacheDir) {
        Repository repository = ensureRepository();
        String tag = bundle.sha256();
        String image = repository.repositoryUri() + ":" + tag;
        if (exists(tag)) {
            LOG.info("the engine image {} is in ECR already", image);
            return image;
        }
        AuthorizationData auth =
                ecr.getAuthorizationToken(r -> {}).authorizationData().get(0);
        String decoded = new String(Base64.getDecoder().decode(auth.authorizationToken()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new ProvisionException("ECR's authorization token is not user:password");
        }
        URI registry = registryEndpoint.orElse(URI.create(auth.proxyEndpoint()));
        String pushTo = registry.getAuthority() + "/" + REPOSITORY + ":" + tag;
        EngineImage.Target target = new EngineImage.Target(
                pushTo, decoded.substring(0, colon), decoded.substring(colon + 1), "http".equals(registry.getScheme()));
        LOG.info("building the engine image on {} and pushing it to {}", baseImage, image);
        EngineImage.Pushed pushed = new EngineImage(bundle, cacheDir).push(baseImage, target);
        LOG.info(
                "pushed the engine image {} ({}; {} MiB of JARs on the base) in {} ms",
                image,
                pushed.digest(),
                pushed.jarBytes() >> 20,
                pushed.millis());
        return image;
    }

    /** Whether the repository holds an image tagged {@code tag}. */
    boolean exists(String tag) {
        try {
            return !ecr.describeImages(r -> r.repositoryName(REPOSITORY)
                            .imageIds(ImageIdentifier.builder().imageTag(tag).build()))
                    .imageDetails()
                    .isEmpty();
        } catch (ImageNotFoundException | RepositoryNotFoundException e) {
            return false;
        }
    }

    /** The repository, made (private, encrypted, tagged as jcloud's shared cache) unless it exists. */
    Repository ensureRepository() {
        Optional<Repository> found = find();
        if (found.isPresent()) {
            return found.get();
        }
        try {
            Repository made = ecr.createRepository(r -> r.repositoryName(REPOSITORY)
                            .imageTagMutability(ImageTagMutability.MUTABLE)
                            .encryptionConfiguration(e -> e.encryptionType(EncryptionType.AES256))
                            .tags(Map.of(EngineUploads.SHARED_TAG, "engine-cache", Tags.VERSION, Tags.JCLOUD_VERSION)
                                    .entrySet()
                                    .stream()
                                    .map(e -> Tag.builder()
                                            .key(e.getKey())
                                            .value(e.getValue())
                                            .build())
                                    .toList()))
                    .repository();
            LOG.info("created the engine image repository {} (private, encrypted)", made.repositoryUri());
            return made;
        } catch (RepositoryAlreadyExistsException e) {
            return find().orElseThrow(() -> e); // another up made it meanwhile
        }
    }

    private Optional<Repository> find() {
        try {
            return ecr.describeRepositories(r -> r.repositoryNames(REPOSITORY)).repositories().stream()
                    .findFirst();
        } catch (RepositoryNotFoundException e) {
            return Optional.empty();
        }
    }
}
