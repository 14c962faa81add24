package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec of a running cluster, read from its {@link ClusterRecord} (what {@code cluster up}
 * stored: provider, options, workers, threads, memory limit), as a {@link ModuleSpec} to export.
 *
 * <p>The export is a new, separate cluster with the same spec: it gets a fresh cluster id, so the
 * running cluster's {@code down} and {@code gc} (which find resources by that id) never touch
 * what Terraform creates. Options read, by provider (the keys the providers store; an absent key
 * means the provider's default). Not carried over yet: machine images, disk sizes, an existing
 * Azure VNet, GCP's extra zones and Fargate's log retention (the module's defaults apply):
 * <ul>
 *   <li>aws: {@code aws.region}, {@code aws.subnet}, {@code aws.vpc} (an id or {@code new}),
 *       {@code aws.allow-from}, {@code aws.ami}, {@code aws.scheduler-type},
 *       {@code aws.worker-type}, {@code aws.root-volume-gib}, {@code aws.engine-url},
 *       {@code aws.engine-sha256}, {@code aws.tag.*};</li>
 *   <li>fargate: {@code fargate.image}, {@code fargate.worker-cpu}, {@code fargate.worker-memory},
 *       {@code fargate.scheduler-cpu}, {@code fargate.scheduler-memory}, {@code fargate.spot}, and
 *       the network, region, allow-from and tags as for aws ({@code fargate.*} first, then
 *       {@code aws.*});</li>
 *   <li>gcp: {@code gcp.project}, {@code gcp.zone}, {@code gcp.machine-type},
 *       {@code gcp.scheduler-machine-type}, {@code gcp.spot}, {@code gcp.network},
 *       {@code gcp.subnetwork}, {@code gcp.allow-from}, {@code gcp.engine-url},
 *       {@code gcp.engine-sha256}, {@code gcp.label.*};</li>
 *   <li>azure: {@code azure.subscription}, {@code azure.location}, {@code azure.vm-size},
 *       {@code azure.scheduler-vm-size}, {@code azure.spot}, {@code azure.allow-from},
 *       {@code azure.engine-url}, {@code azure.engine-sha256}, {@code azure.tag.*}.</li>
 * </ul>
 */
public final class ClusterRecords {

    private ClusterRecords() {}

    /**
     * The spec to export for {@code record}.
     *
     * @param engine where VMs download the engine; empty = the URL and checksum the cluster was
     *               created with ({@code <provider>.engine-url}/{@code -sha256})
     * @throws IllegalArgumentException naming the option, when the record cannot be exported
     */
    public static ModuleSpec toSpec(ClusterRecord record, Optional<EngineArtifact> engine) {
        requireNonNull(record, "record is null");
        Map<String, String> o = record.options();
        FixedCluster cluster = new FixedCluster(
                record.name(),
                ClusterNames.newId(),
                record.workers().size(),
                Math.max(0, record.nthreads()),
                record.memoryLimit() == null ? "auto" : record.memoryLimit(),
                List.of(),
                Map.of());
        switch (record.provider()) {
            case "aws" -> {
                AwsSpec s = new AwsSpec(
                        cluster.withAllowFrom(list(o, "aws.allow-from")).withTags(prefixed(o, "aws.tag.")),
                        o.getOrDefault("aws.region", "us-east-1"),
                        o.getOrDefault("aws.scheduler-type", "m6i.large"),
                        o.getOrDefault("aws.worker-type", "m6i.large"),
                        Optional.ofNullable(o.get("aws.ami")),
                        integer(o, "aws.root-volume-gib", 30),
                        network(o, "aws."),
                        engine.orElseGet(() -> engine(o, "aws", record.name())));
                return s;
            }
            case "fargate" -> {
                String allow = o.containsKey("fargate.allow-from") ? "fargate.allow-from" : "aws.allow-from";
                Map<String, String> tags = new LinkedHashMap<>(prefixed(o, "aws.tag."));
                tags.putAll(prefixed(o, "fargate.tag."));
                return new FargateSpec(
                        cluster.withAllowFrom(list(o, allow)).withTags(tags),
                        first(o, "us-east-1", "fargate.region", "aws.region"),
                        Optional.ofNullable(o.get("fargate.image")),
                        integer(o, "fargate.scheduler-cpu", 1024),
                        integer(o, "fargate.scheduler-memory", 4096),
                        integer(o, "fargate.worker-cpu", 1024),
                        integer(o, "fargate.worker-memory", 4096),
                        bool(o, "fargate.spot"),
                        o.containsKey("fargate.subnet") || o.containsKey("fargate.vpc")
                                ? network(o, "fargate.")
                                : network(o, "aws."));
            }
            case "gcp" -> {
                // Absent keys: the provider's defaults, which the running cluster got.
                String machine = o.getOrDefault("gcp.machine-type", "e2-standard-2");
                return new GcpSpec(
                        cluster.withAllowFrom(list(o, "gcp.allow-from")).withTags(prefixed(o, "gcp.label.")),
                        Optional.ofNullable(o.get("gcp.project")),
                        o.getOrDefault("gcp.zone", "us-central1-a"),
                        o.getOrDefault("gcp.scheduler-machine-type", machine),
                        machine,
                        bool(o, "gcp.spot"),
                        o.getOrDefault("gcp.network", "default"),
                        Optional.ofNullable(o.get("gcp.subnetwork")),
                        engine.orElseGet(() -> engine(o, "gcp", record.name())));
            }
            case "azure" -> {
                String size = o.getOrDefault("azure.vm-size", "Standard_D2s_v5");
                return new AzureSpec(
                        cluster.withAllowFrom(list(o, "azure.allow-from")).withTags(prefixed(o, "azure.tag.")),
                        Optional.ofNullable(o.get("azure.subscription")),
                        o.getOrDefault("azure.location", "eastus"),
                        o.getOrDefault("azure.scheduler-vm-size", size),
                        size,
                        bool(o, "azure.spot"),
                        engine.orElseGet(() -> engine(o, "azure", record.name())));
            }
            case "local" ->
                throw new IllegalArgumentException("cluster " + record.name() + " runs on this machine"
                        + " (provider local), which has nothing to write as Terraform: export a cloud cluster, or give"
                        + " --provider aws|fargate|gcp|azure and its settings instead of --cluster");
            default ->
                throw new IllegalArgumentException("cluster " + record.name() + " uses provider '" + record.provider()
                        + "', which has no Terraform export: use aws, fargate, gcp or azure");
        }
    }

    private static AwsNetwork network(Map<String, String> o, String prefix) {
        String subnet = o.get(prefix + "subnet");
        String vpc = o.get(prefix + "vpc");
        if (subnet != null && vpc != null) {
            throw new IllegalArgumentException(
                    "the cluster's options give both " + prefix + "subnet and " + prefix + "vpc");
        }
        if (subnet != null) {
            return AwsNetwork.subnet(subnet);
        }
        if ("new".equals(vpc)) {
            return AwsNetwork.newVpc();
        }
        return vpc != null ? AwsNetwork.vpc(vpc) : AwsNetwork.defaultVpc();
    }

    private static EngineArtifact engine(Map<String, String> o, String provider, String name) {
        String url = o.get(provider + ".engine-url");
        String sha = o.get(provider + ".engine-sha256");
        if (url == null || sha == null) {
            throw new IllegalArgumentException("cluster " + name + " has no " + provider + ".engine-url/" + provider
                    + ".engine-sha256 in its state: give --engine-url and --engine-sha256");
        }
        try {
            return EngineArtifact.of(URI.create(url), sha);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cluster " + name + ": " + provider + ".engine-url/-sha256: " + e.getMessage());
        }
    }

    private static List<String> list(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static Map<String, String> prefixed(Map<String, String> o, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        o.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    private static String first(Map<String, String> o, String fallback, String... keys) {
        for (String k : keys) {
            if (o.containsKey(k)) {
                return o.get(k);
            }
        }
        return fallback;
    }

    private static boolean bool(Map<String, String> o, String key) {
        String v = o.getOrDefault(key, "false").strip();
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(
                    "the cluster's option " + key + " must be true or false, was '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        String v = o.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "the cluster's option " + key + " must be a whole number, was '" + v + "'");
        }
    }
}
