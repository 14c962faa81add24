package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.net.CallerAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java APIs refuse bad settings before any AWS call: their providers here have no clients at
 * all. (What a build creates is tested against moto in FargateProviderIT and EC2ClusterIT.)
 */
class FargateClusterTest {

    /** Clients that must never be made: the settings are checked first. */
    private static final AwsClients.Factory NO_AWS = region -> {
        throw new AssertionError("no AWS call was expected (region " + region + ")");
    };

    @TempDir
    Path dir;

    private final FargateProvider fargate =
            new FargateProvider(NO_AWS, CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"), h -> false);
    private final Ec2Provider ec2 =
            new Ec2Provider(NO_AWS, CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"));

    @Test
    void fargateSettingsAreCheckedFirst() {
        String image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0";
        assertThatThrownBy(() -> FargateCluster.builder()
                        .image(image)
                        .workerCpu(1024)
                        .workerMemoryMiB(1024)
                        .stateDirectory(dir)
                        .provider(fargate)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid fargate.worker-memory '1024'")
                .hasMessageContaining("2048 to 8192");
        assertThatThrownBy(() -> FargateCluster.builder()
                        .baseImage("a b")
                        .stateDirectory(dir)
                        .provider(fargate)
                        .build())
                .hasMessageContaining("invalid fargate.base-image 'a b'");
        assertThatThrownBy(() -> FargateCluster.builder()
                        .image("x y")
                        .stateDirectory(dir)
                        .provider(fargate)
                        .build())
                .hasMessageContaining("invalid fargate.image 'x y'");
        assertThatThrownBy(() -> FargateCluster.builder()
                        .image(image)
                        .region("moon-1")
                        .stateDirectory(dir)
                        .provider(fargate)
                        .build())
                .hasMessageContaining("aws.region must be an AWS region such as us-east-1 or eu-west-2 (was 'moon-1')");
        assertThatThrownBy(() -> FargateCluster.builder()
                        .image(image)
                        .adapt(3, 2)
                        .stateDirectory(dir)
                        .provider(fargate)
                        .build())
                .hasMessageContaining("invalid adaptive bounds");
        assertThatThrownBy(() -> FargateCluster.builder().workers(-1)).hasMessageContaining("workers must be >= 0");
        assertThatThrownBy(() -> FargateCluster.builder().name("Not Valid"))
                .hasMessageContaining("not a valid cluster name");
    }

    @Test
    void ec2SettingsAreCheckedFirst() {
        assertThatThrownBy(() -> EC2Cluster.builder()
                        .workerType("large please")
                        .stateDirectory(dir)
                        .provider(ec2)
                        .build())
                .hasMessageContaining("invalid aws.worker-type 'large please'");
        assertThatThrownBy(() -> EC2Cluster.builder()
                        .allowFrom("10.0.0.1/8")
                        .stateDirectory(dir)
                        .provider(ec2)
                        .build())
                .hasMessageContaining("aws.allow-from must be")
                .hasMessageContaining("(was '10.0.0.1/8')");
        assertThatThrownBy(() -> EC2Cluster.builder()
                        .rootVolumeGiB(2)
                        .stateDirectory(dir)
                        .provider(ec2)
                        .build())
                .hasMessageContaining("aws.root-volume-gib must be a whole number from 8 to 16384 (was 2)");
        assertThatThrownBy(() -> EC2Cluster.builder().nthreads(0)).hasMessageContaining("nthreads must be >= 1");
    }

    @Test
    void attachNamesWhatIsMissing() {
        assertThatThrownBy(() -> FargateCluster.attach("nope", new ClusterStateStore(dir), fargate))
                .hasMessageContaining("no cluster named nope is running");
        assertThatThrownBy(() -> EC2Cluster.attach("nope", new ClusterStateStore(dir), ec2))
                .hasMessageContaining("no cluster named nope is running");
    }
}
