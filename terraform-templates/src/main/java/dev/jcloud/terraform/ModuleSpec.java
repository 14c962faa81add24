package dev.jcloud.terraform;

/**
 * What to export: one record per cloud, each with the {@link FixedCluster} every cloud shares.
 * {@link TerraformExporter#export} writes any of them.
 */
public sealed interface ModuleSpec permits AwsSpec, FargateSpec, GcpSpec, AzureSpec {

    /** The cluster's identity, size and access rules. */
    FixedCluster cluster();

    /** The {@code --provider} name: {@code aws}, {@code fargate}, {@code gcp} or {@code azure}. */
    String provider();

    /** Where the cluster runs, for messages: a region, zone or location. */
    String where();
}
