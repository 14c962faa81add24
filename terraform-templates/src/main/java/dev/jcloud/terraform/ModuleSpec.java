package dev.jcloud.terraform;

import java.util.Map;

/**
 * What {@link TerraformExporter#export} writes: one cluster of one provider as a Terraform module.
 * A provider's {@link TerraformExport} makes it; the exporter knows no provider and only fills
 * the templates this spec names with the values it gives.
 */
public interface ModuleSpec {

    /** The cluster's identity, size and access rules. */
    FixedCluster cluster();

    /**
     * The folder of the module's templates on the class path, under {@code terraform/}: it holds
     * every file of {@link TerraformExporter#MODULE_FILES}. Usually the provider's name.
     */
    String templates();

    /** Where the cluster runs, for messages: a region, zone or location. */
    String where();

    /**
     * The provider's placeholder values, by placeholder name, each already an HCL literal (see
     * {@link Hcl}); the exporter adds those of {@link #cluster()} ({@code name}, {@code cluster_id},
     * {@code workers}, {@code nthreads}, {@code memory_limit}, {@code allow_from}, {@code tags},
     * {@code jcloud_version}).
     */
    Map<String, String> values();

    /**
     * Files written next to the module besides the templates, by path relative to the module
     * (e.g. {@code boot/worker.sh}), with their text. None by default.
     */
    default Map<String, String> files() {
        return Map.of();
    }
}
