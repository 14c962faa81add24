package dev.jcloud.providers.aws;

import static dev.jcloud.terraform.ExportOptions.check;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.ExportOptions;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import java.util.Map;
import java.util.Optional;

/**
 * The Terraform export of an EC2 cluster ({@link AwsSpec}), from the {@code aws.*} options:
 * region, instance types, machine image, root volume, network, allow-from, engine download and
 * {@code aws.tag.*}. Spot workers are not exported yet (the module's group runs on-demand).
 */
final class Ec2TerraformExport implements TerraformExport {

    private static final String INSTANCE_TYPE = "an instance type such as m6i.large";

    @Override
    public ModuleSpec spec(FixedCluster cluster, Map<String, String> o, Optional<EngineArtifact> engine) {
        if (AwsSettings.SPOT.read(o)) {
            throw new IllegalArgumentException(AwsOptions.SPOT
                    + ": spot workers are not exported for EC2 yet (the module's group runs on-demand)");
        }
        return new AwsSpec(
                cluster.withAllowFrom(ExportOptions.cidrs(o, AwsOptions.ALLOW_FROM))
                        .withTags(ExportOptions.prefixed(o, AwsOptions.TAG_PREFIX)),
                region(o),
                check(
                        AwsOptions.SCHEDULER_TYPE,
                        AwsSettings.SCHEDULER_TYPE.read(o),
                        AwsOptions.INSTANCE_TYPE,
                        INSTANCE_TYPE),
                check(AwsOptions.WORKER_TYPE, AwsSettings.WORKER_TYPE.read(o), AwsOptions.INSTANCE_TYPE, INSTANCE_TYPE),
                Optional.ofNullable(o.get(AwsOptions.AMI))
                        .map(a -> check(AwsOptions.AMI, a, AwsOptions.AMI_ID, "an AMI id such as ami-0123abcd")),
                AwsSettings.ROOT_VOLUME_GIB.read(o),
                network(o),
                ExportOptions.engine(engine, o, AwsOptions.ENGINE_URL, AwsOptions.ENGINE_SHA256));
    }

    static String region(Map<String, String> o) {
        return AwsSettings.REGION.read(o);
    }

    /** The network of {@code aws.subnet} or {@code aws.vpc} (an id or {@code new}), else the default VPC. */
    static AwsNetwork network(Map<String, String> o) {
        String subnet = o.get(AwsOptions.SUBNET);
        String vpc = o.get(AwsOptions.VPC);
        if (subnet != null && vpc != null) {
            throw new IllegalArgumentException(AwsOptions.SUBNET + " and " + AwsOptions.VPC + ": give one, not both");
        }
        if (subnet != null) {
            return AwsNetwork.subnet(
                    check(AwsOptions.SUBNET, subnet, AwsOptions.SUBNET_ID, "a subnet id such as subnet-0123abcd"));
        }
        if (vpc == null) {
            return AwsNetwork.defaultVpc();
        }
        if (vpc.equals(AwsOptions.NEW_VPC)) {
            return AwsNetwork.newVpc();
        }
        return AwsNetwork.vpc(check(
                AwsOptions.VPC, vpc, AwsOptions.VPC_ID, "a VPC id such as vpc-0123abcd, or 'new' for a dedicated VPC"));
    }
}
