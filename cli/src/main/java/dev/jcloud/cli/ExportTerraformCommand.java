package dev.jcloud.cli;

import dev.jcloud.config.Settings;
import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ManifestExport;
import dev.jcloud.terraform.ModuleSpec;
import dev.jcloud.terraform.TerraformExport;
import dev.jcloud.terraform.TerraformExporter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jcloud export-terraform}: writes a cluster as a self-contained Terraform module, a fixed
 * and always-on deployment of what {@code cluster up} creates, from the settings and flags of a
 * provider ({@code --provider} and the flags it contributes, as for {@code cluster up}) or from a
 * running cluster's record ({@code --cluster}). The provider's {@link TerraformExport} makes the
 * module's spec; this command knows no provider. Every input is checked before anything is written.
 */
@Command(
        name = "export-terraform",
        mixinStandardHelpOptions = true,
        description = {
            "Write a fixed, always-on cluster as a Terraform module, without adaptive scaling or idle teardown"
                    + " (for those use 'jcloud cluster up').",
            "Then: cd DIR && terraform init && terraform apply."
        })
final class ExportTerraformCommand implements Callable<Integer>, ProviderFlags.Taker {

    private static final Pattern MEMORY = Pattern.compile(FixedCluster.MEMORY_LIMIT_FORMAT);

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(
            names = "--provider",
            paramLabel = "PROVIDER",
            description = "A provider that exports Terraform (listed by 'jcloud --help'); its flags follow.")
    String provider;

    @Option(
            names = "--cluster",
            paramLabel = "NAME",
            description =
                    "Export the spec of running cluster NAME (its provider, options, workers, threads, memory) as a"
                            + " new fixed cluster with its own id.")
    String cluster;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "Fixed number of workers, >= 0 (with --cluster: default its count).")
    Integer workers;

    @Option(names = "--name", paramLabel = "NAME", description = "The cluster's name (default: a fresh fixed-xxxx).")
    String name;

    @Option(
            names = "--nthreads",
            paramLabel = "N",
            description = "Task threads per worker, 0 = one per core (default).")
    Integer nthreads;

    @Option(
            names = "--memory-limit",
            paramLabel = "SIZE",
            description = "Memory per worker, e.g. 6GiB (default: auto).")
    String memoryLimit;

    @Option(
            names = "--engine-url",
            paramLabel = "URL",
            description = "Where machines download the engine (https; e.g. a presigned object-store URL), for"
                    + " providers that boot machines (default: the provider's engine-url setting).")
    String engineUrl;

    @Option(names = "--engine-sha256", paramLabel = "HEX", description = "The engine download's SHA-256.")
    String engineSha256;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "New or empty directory to write to.")
    Path out;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description = "terraform (default): a Terraform module; manifests: plain manifests of the platform (e.g."
                    + " Kubernetes YAML for kubectl apply or GitOps), for providers that export them.")
    String format = "terraform";

    @Override
    public Integer call() {
        CloudProviders providers = CloudProviders.load();
        Class<?> kind = kind();
        Export export = cluster != null ? fromCluster(providers, kind) : fromFlags(providers, kind);
        if (kind == ManifestExport.class) {
            return writeManifests(export, (ManifestExport) export.capability());
        }
        ModuleSpec module;
        try {
            module = ((TerraformExport) export.capability()).spec(export.cluster(), export.options(), engine());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(namingFlags(e.getMessage(), export.flagNames()), e);
        }
        new TerraformExporter().export(module, out);
        PrintWriter w = spec.commandLine().getOut();
        FixedCluster c = module.cluster();
        w.printf(
                "wrote Terraform module for fixed cluster %s (%d workers, %s %s) to %s%n",
                c.name(), c.workers(), export.provider().name(), module.where(), out);
        if (cluster != null) {
            w.printf(
                    "note: a new cluster with the spec of %s, with its own id %s (the running cluster is not touched)%n",
                    cluster, c.clusterId());
        }
        if (c.allowFrom().isEmpty()) {
            w.println("note: no --allow-from: the scheduler and dashboard are reachable only inside the cluster;"
                    + " set allow_from in terraform.tfvars to connect from outside");
        }
        w.printf(
                "next: cd %s && export TF_VAR_join_token=\"$(openssl rand -hex 32)\" && terraform init && terraform apply%n",
                out);
        w.flush();
        return 0;
    }

    /** The capability {@code --format} asks for. */
    private Class<?> kind() {
        return switch (format) {
            case "terraform" -> TerraformExport.class;
            case "manifests" -> ManifestExport.class;
            default ->
                throw new IllegalArgumentException("--format: must be terraform or manifests, was '" + format + "'");
        };
    }

    private static String what(Class<?> kind) {
        return kind == ManifestExport.class ? "manifests" : "Terraform";
    }

    /** Writes the manifests to {@code out}/{@value ManifestExport#FILE}, new or empty as for a module. */
    private int writeManifests(Export export, ManifestExport manifests) {
        String yaml;
        try {
            yaml = manifests.manifests(export.cluster(), export.options());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(namingFlags(e.getMessage(), export.flagNames()), e);
        }
        try {
            if (java.nio.file.Files.isDirectory(out)) {
                try (var entries = java.nio.file.Files.list(out)) {
                    if (entries.findAny().isPresent()) {
                        throw new IllegalArgumentException("--out: " + out + " is not empty");
                    }
                }
            }
            java.nio.file.Files.createDirectories(out);
            java.nio.file.Files.writeString(out.resolve(ManifestExport.FILE), yaml);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        FixedCluster c = export.cluster();
        w.printf(
                "wrote %s manifests for fixed cluster %s (%d workers) to %s%n",
                export.provider().name(), c.name(), c.workers(), out.resolve(ManifestExport.FILE));
        w.printf(
                "next:%n%s%n",
                manifests
                        .nextSteps(c, export.options(), out.toString())
                        .indent(2)
                        .stripTrailing());
        w.flush();
        return 0;
    }

    /**
     * What to export: the provider and its capability, the cluster, the provider's options by key
     * path, and the flag the user gave for each key (to name in messages).
     */
    private record Export(
            CloudProvider provider,
            Object capability,
            FixedCluster cluster,
            Map<String, String> options,
            Map<String, String> flagNames) {}

    /** The spec of a running cluster, from its record; flags given as well override it. */
    private Export fromCluster(CloudProviders providers, Class<?> kind) {
        if (provider != null) {
            throw new IllegalArgumentException(
                    "--cluster and --provider: give one (the cluster's record names its provider)");
        }
        try {
            ClusterNames.check(cluster);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cluster: " + e.getMessage());
        }
        if (name != null) {
            throw new IllegalArgumentException("--name: the export of --cluster " + cluster + " keeps its name");
        }
        ClusterStateStore store = ClusterStateStore.forUser();
        ClusterRecord record = store.load(cluster)
                .orElseThrow(() -> new IllegalArgumentException("--cluster: no cluster" + " named " + cluster + " in "
                        + store.stateDir() + " (see 'jcloud cluster list')"));
        if (!providers.available().contains(record.provider())) {
            throw new IllegalArgumentException("--cluster: cluster " + cluster + " runs on provider '"
                    + record.provider() + "', which this build does not have; providers that export " + what(kind)
                    + ": " + exporters(providers, kind));
        }
        CloudProvider cloud = providers.require(record.provider());
        Object capability = cloud.capability(kind)
                .orElseThrow(() -> new IllegalArgumentException("--cluster: cluster " + cluster
                        + " runs on provider " + cloud.name() + ", which has no " + what(kind) + " export"
                        + cloud.capabilityAbsence(kind)
                                .map(why -> " (" + why + ")")
                                .orElse("")
                        + ": export a cluster of " + exporters(providers, kind)
                        + ", or give --provider and its settings instead"));
        FixedCluster c = FixedCluster.of(record);
        if (workers != null) {
            c = c.withWorkers(checkWorkers());
        }
        if (nthreads != null) {
            c = c.withNthreads(checkNthreads());
        }
        if (memoryLimit != null) {
            c = c.withMemoryLimit(checkMemory());
        }
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>(record.options());
        options.putAll(ProviderFlags.given(spec.commandLine().getParseResult(), cloud, providers, names));
        return new Export(cloud, capability, c, options, names);
    }

    /** The spec of a new cluster, from the provider's settings and the flags given. */
    private Export fromFlags(CloudProviders providers, Class<?> kind) {
        if (provider == null) {
            throw new IllegalArgumentException("--provider: missing; use --provider with one of "
                    + exporters(providers, kind) + ", or --cluster NAME");
        }
        Optional<?> capability = providers.available().contains(provider)
                ? providers.require(provider).capability(kind)
                : Optional.empty();
        if (capability.isEmpty()) {
            Optional<String> why = providers.available().contains(provider)
                    ? providers.require(provider).capabilityAbsence(kind)
                    : Optional.empty();
            throw new IllegalArgumentException("--provider: must be a provider that exports " + what(kind) + ": "
                    + exporters(providers, kind) + "; was '" + provider + "'"
                    + why.map(w -> " (" + w + ")").orElse(""));
        }
        CloudProvider cloud = providers.require(provider);
        if (workers == null) {
            throw new IllegalArgumentException("--workers: missing; give the fixed number of workers, >= 0");
        }
        String clusterName = name == null ? ClusterNames.generate("fixed") : name;
        try {
            ClusterNames.check(clusterName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--name: " + e.getMessage());
        }
        FixedCluster c = FixedCluster.of(clusterName, checkWorkers())
                .withNthreads(nthreads == null ? 0 : checkNthreads())
                .withMemoryLimit(memoryLimit == null ? "auto" : checkMemory());
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, String> flags = ProviderFlags.given(spec.commandLine().getParseResult(), cloud, providers, names);
        Settings settings = common.settings(flags, names);
        return new Export(cloud, capability.get(), c, ProviderOptions.of(settings, cloud), names);
    }

    /** The providers on the class path that export {@code kind}, e.g. {@code a, b or c}. */
    private static String exporters(CloudProviders providers, Class<?> kind) {
        List<String> names = providers.all().stream()
                .filter(p -> p.capability(kind).isPresent())
                .map(CloudProvider::name)
                .toList();
        if (names.isEmpty()) {
            return "(none in this build)";
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    /**
     * {@code message} with each option key the user gave as a flag named by that flag: the
     * providers name their keys ({@code <section>.<key>}), the user typed {@code --flag}.
     */
    static String namingFlags(String message, Map<String, String> flagNames) {
        String out = message;
        for (Map.Entry<String, String> e : flagNames.entrySet()) {
            out = out.replaceAll(
                    "(?<![\\w.-])" + Pattern.quote(e.getKey()) + "(?![\\w-])", Matcher.quoteReplacement(e.getValue()));
        }
        return out;
    }

    private int checkWorkers() {
        if (workers < 0) {
            throw new IllegalArgumentException("--workers: must be >= 0 (was " + workers + ")");
        }
        return workers;
    }

    private int checkNthreads() {
        if (nthreads < 0) {
            throw new IllegalArgumentException("--nthreads: must be >= 0 (was " + nthreads + ")");
        }
        return nthreads;
    }

    private String checkMemory() {
        return check("--memory-limit", memoryLimit, MEMORY, "auto or a size such as 512MiB, 6GiB or 8GB");
    }

    /** The engine download given with {@code --engine-url} and {@code --engine-sha256}, both or neither. */
    private Optional<EngineArtifact> engine() {
        if (engineUrl == null && engineSha256 == null) {
            return Optional.empty();
        }
        if (engineUrl == null || engineSha256 == null) {
            throw new IllegalArgumentException("--engine-url and --engine-sha256: give both; the machines download the"
                    + " engine from that URL and start it only if its SHA-256 matches");
        }
        try {
            return Optional.of(EngineArtifact.of(new URI(engineUrl), engineSha256));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--engine-url: not a URL: '" + engineUrl + "'");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--engine-url/--engine-sha256: " + e.getMessage());
        }
    }

    private static String check(String flag, String value, Pattern format, String expected) {
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException(flag + ": must be " + expected + ", was '" + value + "'");
        }
        return value;
    }
}
