package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.net.CallerAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * The Java API of EC2 clusters against moto: the builder's settings reach EC2, and a failure half
 * way through {@code build()} removes everything it created. (Moto boots no machines; the waits
 * for the engine are not reached here.)
 */
class EC2ClusterIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String CALLER = "203.0.113.7/32";
    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    @TempDir
    Path dir;

    private AwsClients aws;
    private Ec2Provider provider;
    private String ami;

    @BeforeEach
    void setUp() {
        aws = MOTO.clients().create("us-east-1");
        provider = new Ec2Provider(MOTO.clients(), CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER));
        ami = aws.ec2().describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    private EC2Cluster.Builder builder() {
        return EC2Cluster.builder()
                .region("us-east-1")
                .ami(ami)
                .workerType("t3.micro")
                .schedulerType("t3.micro")
                .engine(URI.create("https://engine.example/jcloud-engine.jar"), "0".repeat(64))
                .allowFrom(CALLER)
                .stateDirectory(dir)
                .provider(provider);
    }

    @Test
    void aBuildThatFailsHalfWayRemovesEverythingItCreated() {
        assertThatThrownBy(() -> builder()
                        .name("api")
                        .workers(2)
                        .maxWorkers(1)
                        .tag("team", "data")
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("more than its maximum of 1");

        List<Instance> instances = new ArrayList<>();
        aws.ec2()
                .describeInstances(r -> r.filters(JCLOUD))
                .reservations()
                .forEach(res -> instances.addAll(res.instances()));
        assertThat(instances).singleElement().satisfies(i -> {
            assertThat(i.instanceTypeAsString()).isEqualTo("t3.micro");
            assertThat(i.imageId()).isEqualTo(ami);
            assertThat(i.state().nameAsString()).isEqualTo("terminated");
            assertThat(Tags.toMap(i.tags()))
                    .containsEntry("team", "data")
                    .containsEntry(ClusterContext.NAME_TAG, "api")
                    .containsEntry(ClusterContext.ROLE_TAG, "scheduler");
        });
        assertThat(aws.ec2().describeSecurityGroups(r -> r.filters(JCLOUD)).securityGroups())
                .isEmpty();
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles()).isEmpty();
        assertThat(new ClusterStateStore(dir).list()).isEmpty();
    }
}
