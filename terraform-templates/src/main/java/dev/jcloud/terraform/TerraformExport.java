package dev.jcloud.terraform;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.util.Map;
import java.util.Optional;

/**
 * A provider's Terraform export: how a cluster of this provider becomes a {@link ModuleSpec}.
 * A provider offers it through {@link CloudProvider#capability(Class)}; a provider without it
 * has no Terraform export.
 *
 * <p>The cluster comes the same way whether it is new or running: its {@link FixedCluster} (name,
 * a fresh id, size, threads and memory per worker) and the provider's options, keyed as the
 * provider's settings keys ({@code <section>.<key>}, with defaults filled in) — from the settings
 * and flags the user gave, or from a running cluster's record (what {@code cluster up} stored,
 * where absent keys mean the provider's defaults). The provider reads from the options what only
 * it knows, including the cluster's allow-from CIDRs and tags.
 */
public interface TerraformExport {

    /**
     * The module of {@code cluster} with {@code options}.
     *
     * @param cluster the cluster, without allow-from and tags (the options carry them)
     * @param options the provider's options by key path
     * @param engine  where machines download the engine, when given on the command line; a
     *                provider that boots machines otherwise reads it from its options
     *                ({@link ExportOptions#engine})
     * @throws IllegalArgumentException naming the option key and what it accepts, when an option
     *                                  cannot be exported
     */
    ModuleSpec spec(FixedCluster cluster, Map<String, String> options, Optional<EngineArtifact> engine);
}
