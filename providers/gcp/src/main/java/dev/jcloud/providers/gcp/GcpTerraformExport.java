package dev.jcloud.providers.gcp;

import static dev.jcloud.terraform.ExportOptions.check;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.ExportOptions;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import java.util.Map;
import java.util.Optional;

/**
 * The Terraform export of a Compute Engine cluster ({@link GcpSpec}), from the {@code gcp.*}
 * options: project, zone, machine types, spot, network, allow-from, engine download and
 * {@code gcp.label.*}. Not carried over yet: extra zones, images and disk sizes (the module's
 * defaults apply).
 */
final class GcpTerraformExport implements TerraformExport {

    private static final String MACHINE_TYPE = "a machine type such as e2-standard-4";

    @Override
    public ModuleSpec spec(FixedCluster cluster, Map<String, String> o, Optional<EngineArtifact> engine) {
        return new GcpSpec(
                cluster.withAllowFrom(ExportOptions.cidrs(o, GcpOptions.ALLOW_FROM))
                        .withTags(ExportOptions.prefixed(o, GcpOptions.LABEL_PREFIX)),
                Optional.ofNullable(o.get(GcpOptions.PROJECT))
                        .map(p -> check(
                                GcpOptions.PROJECT, p, GcpOptions.PROJECT_ID, "a project id such as my-project-123")),
                check(GcpOptions.ZONE, GcpSettings.ZONE.read(o), GcpOptions.ZONE_NAME, "a zone such as us-central1-a"),
                check(
                        GcpOptions.SCHEDULER_MACHINE_TYPE,
                        GcpSettings.SCHEDULER_MACHINE_TYPE.read(o),
                        GcpOptions.MACHINE_TYPE_NAME,
                        MACHINE_TYPE),
                check(
                        GcpOptions.MACHINE_TYPE,
                        GcpSettings.MACHINE_TYPE.read(o),
                        GcpOptions.MACHINE_TYPE_NAME,
                        MACHINE_TYPE),
                GcpSettings.SPOT.read(o),
                check(
                        GcpOptions.NETWORK,
                        GcpSettings.NETWORK.read(o).orElse("default"),
                        GcpOptions.RESOURCE_NAME,
                        "a VPC network name"),
                GcpSettings.SUBNETWORK
                        .read(o)
                        .map(s -> check(GcpOptions.SUBNETWORK, s, GcpOptions.RESOURCE_NAME, "a subnetwork name")),
                ExportOptions.engine(engine, o, GcpOptions.ENGINE_URL, GcpOptions.ENGINE_SHA256));
    }
}
