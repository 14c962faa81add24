package dev.jcloud.providers.gcp;

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
 * The exported GCP module against the google provider's real schema (from the prebuilt
 * {@code @cdktf/provider-google} package, see {@link ProviderSchema}): every resource and nested
 * block, at every level, with names, required arguments and literal types as the provider has them.
 */
class GcpModuleSchemaTest {

    @TempDir
    Path tmp;

    @Test
    void everyResourceAndNestedBlockMatchesTheGoogleProvidersSchema() throws Exception {
        ProviderSchema google = ProviderSchema.of("google");
        for (GcpSpec spec : List.of(
                GcpSpec.of("gamma", 9, ENGINE)
                        .withSpot(true)
                        .withProject("my-project")
                        .withCluster(
                                c -> c.withAllowFrom(List.of("203.0.113.7/32")).withTags(Map.of("team", "data"))),
                GcpSpec.of("zeta", 2, ENGINE))) {
            Path dir = ModuleChecks.export(spec, tmp.resolve(spec.cluster().name()));

            assertThat(ModuleSchemaCheck.check(dir, google))
                    .as(google.packageSpec())
                    .isEmpty();
        }
    }
}
