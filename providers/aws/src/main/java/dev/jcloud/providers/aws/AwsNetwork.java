package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.TerraformExporter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where an AWS cluster (EC2 or Fargate) lives, as {@code cluster up} chooses it: a given subnet,
 * the subnets of a given VPC, the region's default VPC, or a dedicated VPC created with the
 * cluster ({@code aws.vpc=new}).
 */
public record AwsNetwork(Optional<String> subnetId, Optional<String> vpcId, boolean createVpc) {

    public AwsNetwork {
        requireNonNull(subnetId, "subnetId is null");
        requireNonNull(vpcId, "vpcId is null");
        if (createVpc && (subnetId.isPresent() || vpcId.isPresent())) {
            throw new IllegalArgumentException("a new VPC excludes a given subnet or VPC");
        }
        if (subnetId.isPresent() && vpcId.isPresent()) {
            throw new IllegalArgumentException("give a subnet or a VPC, not both");
        }
    }

    /** The default subnets of the region's default VPC. */
    public static AwsNetwork defaultVpc() {
        return new AwsNetwork(Optional.empty(), Optional.empty(), false);
    }

    /** A dedicated VPC with one public subnet, an internet gateway and a route, made and removed with the cluster. */
    public static AwsNetwork newVpc() {
        return new AwsNetwork(Optional.empty(), Optional.empty(), true);
    }

    public static AwsNetwork subnet(String id) {
        return new AwsNetwork(Optional.of(id), Optional.empty(), false);
    }

    public static AwsNetwork vpc(String id) {
        return new AwsNetwork(Optional.empty(), Optional.of(id), false);
    }

    /** The module variables' values: {@code subnet_ids}, {@code vpc_id}, {@code create_vpc}. */
    Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("subnet_ids", Hcl.list(subnetId.map(List::of).orElse(List.of())));
        values.put("vpc_id", Hcl.string(vpcId.orElse("")));
        values.put("create_vpc", Boolean.toString(createVpc));
        return values;
    }

    /** {@code network.tf}, the network piece the EC2 and Fargate modules share. */
    static String template() {
        return TerraformExporter.template("terraform/shared/aws-network.tf");
    }
}
