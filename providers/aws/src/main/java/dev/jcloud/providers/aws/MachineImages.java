package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ProvisionException;
import java.util.List;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ArchitectureType;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.LocationType;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Checks instance types against the region and picks the machine image: the one the user gave,
 * else the latest Amazon Linux 2023 for the instance type's architecture, from the public SSM
 * parameter AWS maintains for it (so no AMI id goes stale in our code).
 */
final class MachineImages {

    static final String AL2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-";

    private final Ec2Client ec2;
    private final SsmClient ssm;

    MachineImages(Ec2Client ec2, SsmClient ssm) {
        this.ec2 = ec2;
        this.ssm = ssm;
    }

    /** Fails, naming {@code option}, unless {@code type} is offered in the client's region. */
    void requireOffered(String option, String type, String region) {
        boolean offered = !ec2.describeInstanceTypeOfferings(r -> r.locationType(LocationType.REGION)
                        .filters(Filter.builder()
                                .name("instance-type")
                                .values(type)
                                .build()))
                .instanceTypeOfferings()
                .isEmpty();
        if (!offered) {
            throw new IllegalArgumentException("invalid " + option + " '" + type + "': not offered in " + region
                    + " (see 'aws ec2 describe-instance-type-offerings --region " + region + "')");
        }
    }

    /** The AMI for {@code instanceType}: {@code given} if present, else Amazon Linux 2023 for its architecture. */
    String imageFor(java.util.Optional<String> given, String instanceType) {
        if (given.isPresent()) {
            return given.get();
        }
        String parameter = AL2023_PARAMETER + architecture(instanceType);
        try {
            return ssm.getParameter(r -> r.name(parameter)).parameter().value();
        } catch (AwsServiceException e) {
            throw new ProvisionException(
                    "cannot look up the default machine image (SSM parameter " + parameter + "): "
                            + e.awsErrorDetails().errorMessage() + "; set one with " + AwsOptions.AMI,
                    e);
        }
    }

    private String architecture(String instanceType) {
        List<InstanceTypeInfo> info = ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings(instanceType))
                .instanceTypes();
        List<ArchitectureType> arch = info.isEmpty() || info.get(0).processorInfo() == null
                ? List.of()
                : info.get(0).processorInfo().supportedArchitectures();
        return arch.contains(ArchitectureType.ARM64) && !arch.contains(ArchitectureType.X86_64) ? "arm64" : "x86_64";
    }
}
