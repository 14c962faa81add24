package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.boot.EngineCachePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ecr.model.ImageDetail;

/**
 * The engine image repository is swept like the engine buckets: versions no active task definition
 * names (by tag or by digest) are removed once old, and an {@code up} reusing an old version dates it
 * anew first. Against moto's ECR and ECS.
 */
class EngineImagesSweepIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String REGION = "us-east-1";
    private static final String REPOSITORY_URI =
            "123456789012.dkr.ecr." + REGION + ".amazonaws.com/" + EngineImages.REPOSITORY;

    private AwsClients aws;

    @BeforeEach
    void setUp() {
        aws = MOTO.clients().create(REGION);
        new EngineImages(aws.ecr(), Optional.empty()).ensureRepository();
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    @Test
    void versionsNoActiveTaskDefinitionNamesAreRemovedOnceOld() {
        String byTag = sha('a');
        String byDigest = sha('b');
        String retired = sha('c');
        String current = sha('d');
        for (String sha : List.of(byTag, byDigest, retired, current)) {
            push(sha);
        }
        taskDefinition("jcloud-live-0a1b-worker", REPOSITORY_URI + ":" + byTag);
        // A fixed deployment (exported Terraform) names its image by digest, in a family of its own.
        taskDefinition("etl-nightly", REPOSITORY_URI + "@" + image(byDigest).imageDigest());
        String gone = taskDefinition("jcloud-gone-9f8e-worker", REPOSITORY_URI + ":" + retired);
        aws.ecs().deregisterTaskDefinition(r -> r.taskDefinition(gone));

        EngineImages fresh = images(Instant.now());
        assertThat(fresh.sweep(aws.ecs(), current)).as("nothing is old yet").isEmpty();

        EngineImages later = images(Instant.now().plus(Duration.ofDays(40)));
        assertThat(later.sweep(aws.ecs(), current)).containsExactly(retired);
        assertThat(tags()).contains(byTag, byDigest, current).doesNotContain(retired);
    }

    @Test
    void anOldVersionReusedIsDatedAnewWithOneTagOnTheSameImage() {
        String sha = sha('e');
        push(sha);
        String digest = image(sha).imageDigest();
        EngineCachePolicy inTwoDays = policyAt(Instant.now().plus(Duration.ofDays(2)));
        EngineImages images = new EngineImages(aws.ecr(), Optional.empty(), inTwoDays);

        assertThat(inTwoDays.reused(images.cache(Set::of), sha, EngineImages.dated(image(sha))))
                .isTrue();
        String first = datedTags(sha).get(0);
        // The next day's reuse (its own second): the older date tag goes, the image stays.
        waitForTheNextSecond();
        assertThat(inTwoDays.reused(images.cache(Set::of), sha, Instant.EPOCH)).isTrue();
        assertThat(datedTags(sha)).hasSize(1).doesNotContain(first);

        ImageDetail dated = image(sha);
        assertThat(dated.imageDigest()).isEqualTo(digest);
        assertThat(dated.imageTags().stream().filter(t -> t.startsWith(EngineImages.DATED)))
                .as("only the newest date is kept")
                .hasSize(1);
        assertThat(EngineImages.dated(dated)).isAfter(Instant.now().minusSeconds(60));
        assertThat(images.cache(Set::of).versions()).containsOnlyKeys(sha);
    }

    private List<String> datedTags(String sha) {
        return image(sha).imageTags().stream()
                .filter(t -> t.startsWith(EngineImages.DATED))
                .toList();
    }

    private static void waitForTheNextSecond() {
        long second = Instant.now().getEpochSecond();
        while (Instant.now().getEpochSecond() == second) {
            Thread.onSpinWait();
        }
    }

    private EngineImages images(Instant now) {
        return new EngineImages(aws.ecr(), Optional.empty(), policyAt(now));
    }

    private static EngineCachePolicy policyAt(Instant now) {
        return new EngineCachePolicy(
                Clock.fixed(now, ZoneOffset.UTC), EngineCachePolicy.KEEP_UNUSED, EngineCachePolicy.REFRESH_AFTER);
    }

    private static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }

    private void push(String sha) {
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":2,"
                + "\"digest\":\"sha256:" + sha + "\"},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2,\"digest\":\"sha256:" + sha
                + "\"}]}";
        aws.ecr()
                .putImage(r ->
                        r.repositoryName(EngineImages.REPOSITORY).imageTag(sha).imageManifest(manifest));
    }

    private String taskDefinition(String family, String image) {
        return aws.ecs()
                .registerTaskDefinition(r -> r.family(family)
                        .requiresCompatibilities(software.amazon.awssdk.services.ecs.model.Compatibility.FARGATE)
                        .networkMode(software.amazon.awssdk.services.ecs.model.NetworkMode.AWSVPC)
                        .cpu("256")
                        .memory("512")
                        .containerDefinitions(c -> c.name("engine").image(image)))
                .taskDefinition()
                .taskDefinitionArn();
    }

    private ImageDetail image(String tag) {
        return aws.ecr()
                .describeImages(r -> r.repositoryName(EngineImages.REPOSITORY).imageIds(i -> i.imageTag(tag)))
                .imageDetails()
                .get(0);
    }

    private Set<String> tags() {
        return aws.ecr().describeImages(r -> r.repositoryName(EngineImages.REPOSITORY)).imageDetails().stream()
                .flatMap(d -> d.imageTags().stream())
                .collect(Collectors.toSet());
    }
}
