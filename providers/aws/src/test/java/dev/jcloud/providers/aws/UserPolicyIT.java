package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcloud iam-policy --provider aws} is enough, and no more than listed: every AWS call the
 * EC2 provider makes in a whole cluster life (up with TLS and an engine upload, scale, down, gc)
 * is recorded through the SDK and must be an action of the printed policy; the policy has no
 * wildcard actions and keeps IAM under the {@code /jcloud/} path.
 */
class UserPolicyIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    @TempDir
    Path dir;

    @Test
    void everyCallOfAClusterLifeIsAllowedByTheUserPolicy() throws Exception {
        RecordedCalls recorder = new RecordedCalls();
        Path jar = dir.resolve("engine.jar");
        Files.writeString(jar, "engine");
        EngineBundle bundle = EngineBundle.of(List.of(jar), dir.resolve("bundle"));
        Ec2Provider provider = new Ec2Provider(
                MOTO.clients(recorder), CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"), c -> bundle);
        String ami;
        try (AwsClients aws = MOTO.clients().create("us-east-1")) {
            ami = aws.ec2()
                    .describeImages(r -> r.owners("amazon"))
                    .images()
                    .get(0)
                    .imageId();
        }
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, "us-east-1");
        o.put(AwsOptions.WORKER_TYPE, "t3.micro");
        o.put(AwsOptions.SCHEDULER_TYPE, "t3.micro");
        o.put(AwsOptions.VPC, AwsOptions.NEW_VPC);
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.put(ClusterTrust.OPTION, "true");
        ClusterContext c = new ClusterContext("pol", ClusterNames.newId(), dir.resolve("pol"), o);

        provider.validate(c);
        provider.bootstrap(c);
        Node scheduler = provider.launch(
                        c,
                        new LaunchRequest(
                                NodeRole.SCHEDULER,
                                List.of(new LaunchRequest.NodeLaunch(
                                        ClusterNames.scheduler("pol"), EngineCommand.scheduler()))))
                .get(0);
        List<Node> workers = provider.launch(
                c,
                new LaunchRequest(
                        NodeRole.WORKER,
                        List.of(new LaunchRequest.NodeLaunch(
                                ClusterNames.worker("pol", 0),
                                EngineCommand.worker("x:1").with("--name", ClusterNames.worker("pol", 0))))));
        provider.nodes(c);
        provider.logTail(c, scheduler, 5);
        provider.terminate(c, workers);
        provider.deleteSharedResources(c);
        provider.gc(o, true, Duration.ZERO);

        JsonNode policy = new ObjectMapper().readTree(UserPolicies.ec2());
        Set<String> allowed = new TreeSet<>();
        List<String> resources = new ArrayList<>();
        for (JsonNode s : policy.get("Statement")) {
            s.get("Action").forEach(a -> allowed.add(a.asText()));
            s.get("Resource").forEach(r -> resources.add(r.asText()));
        }
        assertThat(recorder.actions())
                .as("calls the provider made")
                .contains("ec2:RunInstances", "iam:CreateRole", "s3:PutObject", "ssm:PutParameter");
        assertThat(recorder.notAllowedBy(UserPolicies.ec2()))
                .as("calls the policy does not allow")
                .isEmpty();
        assertThat(allowed).noneMatch(a -> a.contains("*"));
        assertThat(resources)
                .filteredOn(r -> r.startsWith("arn:aws:iam"))
                .allMatch(r -> r.contains(":role/jcloud/") || r.contains(":instance-profile/jcloud/"));
    }
}
