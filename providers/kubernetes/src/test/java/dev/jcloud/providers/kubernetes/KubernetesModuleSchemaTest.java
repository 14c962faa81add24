package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ModuleChecks;
import dev.jcloud.terraform.ModuleSchemaCheck;
import dev.jcloud.terraform.ProviderSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported Kubernetes module against the kubernetes provider's real schema (from the prebuilt
 * {@code @cdktf/provider-kubernetes} package, see {@link ProviderSchema}): every resource and
 * nested block, at every level, with names, required arguments and literal types as the provider
 * has them. The module is never planned or applied here: the provider is not available offline.
 */
class KubernetesModuleSchemaTest {

    @TempDir
    Path tmp;

    @Test
    void everyResourceAndNestedBlockMatchesTheKubernetesProvidersSchema() throws Exception {
        ProviderSchema kubernetes = ProviderSchema.of("kubernetes");
        Map<String, String> optional = Map.of(
                "kubernetes.image", "registry.example.com/jcloud-engine:1",
                "kubernetes.namespace", "data",
                "kubernetes.node-selector", "pool=spot",
                "kubernetes.service-account", "engine",
                "kubernetes.service-type", "LoadBalancer",
                "kubernetes.allow-from", "203.0.113.7/32,198.51.100.0/24",
                "kubernetes.label.team", "data");
        for (KubernetesSpec spec : List.of(
                (KubernetesSpec) new KubernetesTerraformExport()
                        .spec(
                                new FixedCluster("gamma", "g1", 9, 4, "6GiB", List.of(), Map.of()),
                                optional,
                                Optional.empty()),
                KubernetesSpec.of("zeta", 2, "registry.example.com/jcloud-engine:1"))) {
            Path dir = ModuleChecks.export(spec, tmp.resolve(spec.cluster().name()));

            assertThat(ModuleSchemaCheck.check(dir, kubernetes))
                    .as(kubernetes.packageSpec())
                    .isEmpty();
        }
    }
}
