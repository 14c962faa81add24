package dev.jcloud.providers.aws;

import static dev.jcloud.terraform.ExportOptions.check;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.ExportOptions;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Terraform export of a Fargate cluster ({@link FargateSpec}), from the {@code fargate.*}
 * options (image, task sizes, spot) and the network, region, allow-from and tags of {@code aws.*}.
 * The tasks run the engine's container image, so there is no engine download.
 */
final class FargateTerraformExport implements TerraformExport {

    @Override
    public ModuleSpec spec(FixedCluster cluster, Map<String, String> o, Optional<EngineArtifact> engine) {
        if (engine.isPresent()) {
            throw new IllegalArgumentException("--engine-url/--engine-sha256: fargate runs the engine's container"
                    + " image; give " + AwsSettings.IMAGE.flag().orElseThrow().name() + " instead");
        }
        Map<String, String> tags = new LinkedHashMap<>(ExportOptions.prefixed(o, AwsOptions.TAG_PREFIX));
        tags.putAll(ExportOptions.prefixed(o, "fargate.tag."));
        return new FargateSpec(
                cluster.withAllowFrom(ExportOptions.cidrs(o, AwsOptions.ALLOW_FROM))
                        .withTags(tags),
                Ec2TerraformExport.region(o),
                Optional.ofNullable(o.get(FargateOptions.IMAGE))
                        .map(String::strip)
                        .map(i -> check(
                                FargateOptions.IMAGE,
                                i,
                                FargateOptions.IMAGE_REFERENCE,
                                "a container image reference such as"
                                        + " 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine@sha256:...")),
                AwsSettings.SCHEDULER_CPU.read(o),
                AwsSettings.SCHEDULER_MEMORY.read(o),
                AwsSettings.WORKER_CPU.read(o),
                AwsSettings.WORKER_MEMORY.read(o),
                AwsSettings.FARGATE_SPOT.read(o),
                Ec2TerraformExport.network(o));
    }
}
