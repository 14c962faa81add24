package dev.jcloud.terraform;

import java.util.Map;

/**
 * A provider's export of a fixed cluster as plain manifests of its platform (Kubernetes YAML for
 * {@code kubectl apply} or a GitOps repository), offered through
 * {@link dev.jcloud.provisioner.CloudProvider#capability(Class)} beside or instead of a
 * {@link TerraformExport}; {@code jcloud export-terraform --format manifests} writes it.
 */
public interface ManifestExport {

    /** The file the manifests are written to, inside the output directory. */
    String FILE = "cluster.yaml";

    /**
     * The manifests of {@code cluster} with the provider's {@code options} (by key path, as for
     * {@link TerraformExport#spec}).
     *
     * @throws IllegalArgumentException naming the option key and what it accepts, when an option
     *                                  cannot be exported
     */
    String manifests(FixedCluster cluster, Map<String, String> options);

    /** What the user does next with the written directory {@code dir}, one line per step. */
    String nextSteps(FixedCluster cluster, Map<String, String> options, String dir);
}
