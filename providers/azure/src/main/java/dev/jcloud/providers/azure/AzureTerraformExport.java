package dev.jcloud.providers.azure;

import static dev.jcloud.terraform.ExportOptions.check;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.ExportOptions;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import java.util.Map;
import java.util.Optional;

/**
 * The Terraform export of an Azure VM cluster ({@link AzureSpec}), from the {@code azure.*}
 * options: subscription, location, VM sizes, spot, allow-from, engine download and
 * {@code azure.tag.*}. Not carried over yet: an existing virtual network, images and disk sizes
 * (the module's defaults apply).
 */
final class AzureTerraformExport implements TerraformExport {

    private static final String VM_SIZE = "a VM size such as Standard_D4s_v5";

    @Override
    public ModuleSpec spec(FixedCluster cluster, Map<String, String> o, Optional<EngineArtifact> engine) {
        return new AzureSpec(
                cluster.withAllowFrom(ExportOptions.cidrs(o, AzureOptions.ALLOW_FROM))
                        .withTags(ExportOptions.prefixed(o, AzureOptions.TAG_PREFIX)),
                AzureSettings.SUBSCRIPTION
                        .read(o)
                        .map(s -> check(AzureOptions.SUBSCRIPTION, s, AzureOptions.GUID, "a subscription id (a GUID)")),
                check(
                        AzureOptions.LOCATION,
                        AzureSettings.LOCATION.read(o),
                        AzureOptions.LOCATION_FORMAT,
                        "an Azure location such as eastus"),
                check(
                        AzureOptions.SCHEDULER_VM_SIZE,
                        AzureSettings.SCHEDULER_VM_SIZE.read(o),
                        AzureOptions.VM_SIZE_FORMAT,
                        VM_SIZE),
                check(AzureOptions.VM_SIZE, AzureSettings.VM_SIZE.read(o), AzureOptions.VM_SIZE_FORMAT, VM_SIZE),
                AzureSettings.SPOT.read(o),
                ExportOptions.engine(engine, o, AzureOptions.ENGINE_URL, AzureOptions.ENGINE_SHA256));
    }
}
