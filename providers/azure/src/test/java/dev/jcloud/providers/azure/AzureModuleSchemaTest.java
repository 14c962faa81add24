package dev.jcloud.providers.azure;

import static dev.jcloud.terraform.ModuleChecks.ENGINE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.terraform.ModuleChecks;
import dev.jcloud.terraform.ModuleSchemaCheck;
import dev.jcloud.terraform.ProviderSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported Azure module against the azurerm provider's real schema (from the prebuilt
 * {@code @cdktf/provider-azurerm} package, see {@link ProviderSchema}): every resource and nested
 * block, at every level, with names, required arguments and literal types as the provider has them.
 */
class AzureModuleSchemaTest {

    @TempDir
    Path tmp;

    @Test
    void everyResourceAndNestedBlockMatchesTheAzurermProvidersSchema() throws Exception {
        ProviderSchema azurerm = ProviderSchema.of("azurerm");
        for (AzureSpec spec : List.of(
                AzureSpec.of("delta", 4, ENGINE)
                        .withSpot(true)
                        .withCluster(
                                c -> c.withAllowFrom(List.of("203.0.113.7/32")).withTags(Map.of("team", "data"))),
                AzureSpec.of("iota", 2, ENGINE))) {
            Path dir = ModuleChecks.export(spec, tmp.resolve(spec.cluster().name()));

            assertThat(ModuleSchemaCheck.check(dir, azurerm))
                    .as(azurerm.packageSpec())
                    .isEmpty();
        }
    }
}
