package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.ImageAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.Tag;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;

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
 * <p>The repository is kept by the shared {@link EngineCachePolicy}, as the buckets are: a version
 * stays while any active task definition of the region names it (by tag or digest: a cluster's own,
 * or a fixed deployment's), and each {@code up} removes the versions older than 30 days that none
 * names ({@link #sweep}). ECR cannot re-date an image, so an {@code up} that reuses an old version
 * dates it with an extra tag {@code dated-<sha prefix>-<epoch seconds>} on the same image.
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

    /** Tags that date a version anew start with this; the version's own tag is its SHA-256. */
    static final String DATED = "dated-";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final EcrClient ecr;
    private final Optional<URI> registryEndpoint;
    private final EngineCachePolicy policy;

    EngineImages(EcrClient ecr, Optional<URI> registryEndpoint) {
        this(ecr, registryEndpoint, EngineCachePolicy.standard());
    }

    EngineImages(EcrClient ecr, Optional<URI> registryEndpoint, EngineCachePolicy policy) {
        this.ecr = ecr;
        this.registryEndpoint = registryEndpoint;
        this.policy = policy;
    }

    /**
     * Removes, by the shared {@link EngineCachePolicy}, the versions that no active task definition
     * of the region names, other than {@code current}; returns their SHA-256s.
     */
    List<String> sweep(EcsClient ecs, String current) {
        return policy.sweep(cache(() -> namedByTaskDefinitions(ecs)), current);
    }

    /** The repository's engine versions as the policy's store. */
    EngineCachePolicy.Store cache(Supplier<Set<String>> inUse) {
        return new EngineCachePolicy.Store() {
            @Override
            public String describe() {
                return "the ECR repository " + REPOSITORY;
            }

            @Override
            public Map<String, Instant> versions() {
                Map<String, Instant> out = new LinkedHashMap<>();
                images().forEach((sha, image) -> out.put(sha, dated(image)));
                return out;
            }

            @Override
            public Set<String> inUse() {
                return inUse.get();
            }

            @Override
            public void delete(String sha256) {
                image(sha256)
                        .ifPresent(image -> ecr.batchDeleteImage(r -> r.repositoryName(REPOSITORY)
                                .imageIds(ImageIdentifier.builder()
                                        .imageDigest(image.imageDigest())
                                        .build())));
            }

            @Override
            public void touch(String sha256) {
                ImageDetail image = image(sha256).orElse(null);
                if (image == null) {
                    return;
                }
                software.amazon.awssdk.services.ecr.model.Image manifest = ecr.batchGetImage(
                                r -> r.repositoryName(REPOSITORY)
                                        .imageIds(ImageIdentifier.builder()
                                                .imageTag(sha256)
                                                .build()))
                        .images()
                        .get(0);
                String tag =
                        DATED + sha256.substring(0, 16) + "-" + Instant.now().getEpochSecond();
                try {
                    ecr.putImage(r -> r.repositoryName(REPOSITORY)
                            .imageManifest(manifest.imageManifest())
                            .imageManifestMediaType(manifest.imageManifestMediaType())
                            .imageTag(tag));
                } catch (ImageAlreadyExistsException e) {
                    return; // dated this very second (by a concurrent up)
                }
                // Only the newest date matters: removing a tag the image has others of keeps the image.
                for (String old : image.imageTags()) {
                    if (old.startsWith(DATED)) {
                        ecr.batchDeleteImage(r -> r.repositoryName(REPOSITORY)
                                .imageIds(
                                        ImageIdentifier.builder().imageTag(old).build()));
                    }
                }
            }
        };
    }

    /** The versions active task definitions of the region name, by tag or by digest. */
    private Set<String> namedByTaskDefinitions(EcsClient ecs) {
        Map<String, String> byDigest = new HashMap<>();
        images().forEach((sha, image) -> byDigest.put(image.imageDigest(), sha));
        Set<String> used = new HashSet<>();
        for (String arn : ecs.listTaskDefinitionsPaginator(r -> r.status(TaskDefinitionStatus.ACTIVE))
                .taskDefinitionArns()) {
            for (ContainerDefinition c : ecs.describeTaskDefinition(r -> r.taskDefinition(arn))
                    .taskDefinition()
                    .containerDefinitions()) {
                String image = c.image() == null ? "" : c.image();
                int at = image.indexOf("/" + REPOSITORY + "@");
                int colon = image.indexOf("/" + REPOSITORY + ":");
                if (at >= 0) {
                    String sha = byDigest.get(image.substring(at + REPOSITORY.length() + 2));
                    if (sha != null) {
                        used.add(sha);
                    }
                } else if (colon >= 0) {
                    used.add(image.substring(colon + REPOSITORY.length() + 2));
                }
            }
        }
        return used;
    }

    /** The image tagged {@code sha256}, looked up alone (not by listing the repository). */
    private Optional<ImageDetail> image(String sha256) {
        try {
            return ecr
                    .describeImages(r -> r.repositoryName(REPOSITORY)
                            .imageIds(ImageIdentifier.builder().imageTag(sha256).build()))
                    .imageDetails()
                    .stream()
                    .findFirst();
        } catch (ImageNotFoundException | RepositoryNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The repository's engine images by SHA-256 (the tag a push gives them); empty without repository. */
    private Map<String, ImageDetail> images() {
        Map<String, ImageDetail> out = new LinkedHashMap<>();
        try {
            for (ImageDetail image : ecr.describeImagesPaginator(r -> r.repositoryName(REPOSITORY))
                    .imageDetails()) {
                for (String tag : image.imageTags()) {
                    if (SHA256.matcher(tag).matches()) {
                        out.put(tag, image);
                    }
                }
            }
        } catch (RepositoryNotFoundException e) {
            // nothing pushed in this region yet
        }
        return out;
    }

    /** When a version was pushed, last pulled (as ECR records it) or dated anew, whichever is latest. */
    static Instant dated(ImageDetail image) {
        Instant latest = image.imagePushedAt() == null ? Instant.EPOCH : image.imagePushedAt();
        if (image.lastRecordedPullTime() != null && image.lastRecordedPullTime().isAfter(latest)) {
            latest = image.lastRecordedPullTime();
        }
        for (String tag : image.imageTags()) {
            if (tag.startsWith(DATED)) {
                try {
                    Instant d = Instant.ofEpochSecond(Long.parseLong(tag.substring(tag.lastIndexOf('-') + 1)));
                    if (d.isAfter(latest)) {
                        latest = d;
                    }
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        }
        return latest;
    }

    /**
     * The image reference task definitions use for {@code bundle}'s engine, pushed first unless
     * the repository has it already.
     */
    String ensure(EngineBundle bundle, String baseImage, java.nio.file.Path cacheDir) {
        Repository repository = ensureRepository();
        String tag = bundle.sha256();
        String image = repository.repositoryUri() + ":" + tag;
        ImageDetail existing = image(tag).orElse(null);
        if (existing != null) {
            LOG.info("the engine image {} is in ECR already", image);
            // Dated anew before any task names it, so that another up's sweep cannot take it meanwhile.
            policy.reused(cache(Set::of), tag, dated(existing));
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
