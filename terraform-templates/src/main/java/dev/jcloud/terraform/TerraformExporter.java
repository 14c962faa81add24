package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a cluster out as a self-contained Terraform module: a fixed, always-on deployment of the
 * same pieces {@code jcloud cluster up} creates (security group, machine identity, scheduler,
 * workers), booted by the same {@link BootScript}.
 *
 * <p>The templates are readable files under {@code terraform/<provider>/} on the classpath.
 * {@code main.tf}, {@code outputs.tf} and {@code versions.tf} are copied as they are; only
 * {@code variables.tf} and {@code terraform.tfvars.example} hold placeholders ({@code {{name}}}),
 * each replaced by an HCL literal from {@link Hcl}, so every exported value is a variable default
 * and user input never reaches HCL unescaped. The boot scripts are written as plain files next to
 * the module ({@code boot/*.sh}) and read with {@code file()}, which interpolates nothing.
 *
 * <p>Supported today: AWS EC2 ({@link #exportAws}).
 */
public final class TerraformExporter {

    /** Replaced by Terraform with the scheduler's private address in the workers' boot script. */
    public static final String SCHEDULER_ADDRESS_PLACEHOLDER = "__JCLOUD_SCHEDULER_ADDRESS__";
    /** The version of jcloud (and so of the engine the boot scripts pin) that exported the module. */
    public static final String JCLOUD_VERSION = readVersion();

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
    private static final List<String> AWS_FILES = List.of("versions.tf", "variables.tf", "main.tf", "outputs.tf",
            "terraform.tfvars.example", "README.md");

    /**
     * What to export for AWS EC2.
     *
     * @param name          the cluster's name (tags, resource names)
     * @param clusterId     the {@code jcloud.cluster-id} tag value
     * @param workers       the fixed number of workers, {@code >= 0}
     * @param region        AWS region
     * @param schedulerType scheduler instance type
     * @param workerType    worker instance type
     * @param allowFrom     CIDRs that may reach the scheduler and dashboard ports; empty = none
     * @param ami           the machine image, or empty to leave the variable without a default
     * @param rootVolumeGiB size of the encrypted root volume
     * @param tags          extra tags on every resource (jcloud's own tags win on a clash)
     * @param engine        where machines download the engine and its SHA-256
     */
    public record AwsSpec(String name, String clusterId, int workers, String region, String schedulerType,
                          String workerType, List<String> allowFrom, Optional<String> ami, int rootVolumeGiB,
                          Map<String, String> tags, EngineArtifact engine) {

        public AwsSpec {
            requireNonNull(name, "name is null");
            requireNonNull(clusterId, "clusterId is null");
            requireNonNull(region, "region is null");
            requireNonNull(schedulerType, "schedulerType is null");
            requireNonNull(workerType, "workerType is null");
            allowFrom = List.copyOf(allowFrom);
            requireNonNull(ami, "ami is null");
            tags = Map.copyOf(new LinkedHashMap<>(tags));
            requireNonNull(engine, "engine is null");
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
            }
            if (rootVolumeGiB < 8) {
                throw new IllegalArgumentException("the root volume must be at least 8 GiB (was " + rootVolumeGiB + ")");
            }
        }

        /** The defaults of {@code cluster up} on AWS: us-east-1, m6i.large, 30 GiB, a fresh cluster id. */
        public static AwsSpec of(String name, int workers, EngineArtifact engine) {
            return new AwsSpec(name, ClusterNames.newId(), workers, "us-east-1", "m6i.large", "m6i.large", List.of(),
                    Optional.empty(), 30, Map.of(), engine);
        }

        public AwsSpec withRegion(String r) {
            return new AwsSpec(name, clusterId, workers, r, schedulerType, workerType, allowFrom, ami, rootVolumeGiB, tags, engine);
        }

        public AwsSpec withWorkerType(String t) {
            return new AwsSpec(name, clusterId, workers, region, schedulerType, t, allowFrom, ami, rootVolumeGiB, tags, engine);
        }

        public AwsSpec withSchedulerType(String t) {
            return new AwsSpec(name, clusterId, workers, region, t, workerType, allowFrom, ami, rootVolumeGiB, tags, engine);
        }

        public AwsSpec withAllowFrom(List<String> cidrs) {
            return new AwsSpec(name, clusterId, workers, region, schedulerType, workerType, cidrs, ami, rootVolumeGiB, tags, engine);
        }

        public AwsSpec withAmi(String a) {
            return new AwsSpec(name, clusterId, workers, region, schedulerType, workerType, allowFrom, Optional.of(a),
                    rootVolumeGiB, tags, engine);
        }

        public AwsSpec withTags(Map<String, String> t) {
            return new AwsSpec(name, clusterId, workers, region, schedulerType, workerType, allowFrom, ami, rootVolumeGiB, t, engine);
        }

        public AwsSpec withClusterId(String id) {
            return new AwsSpec(name, id, workers, region, schedulerType, workerType, allowFrom, ami, rootVolumeGiB, tags, engine);
        }
    }

    /**
     * Writes the AWS EC2 module into {@code dir}, which must not exist or be empty (so that an
     * export never mixes with, or silently overwrites, an operator's edited module).
     *
     * @return the files written
     */
    public List<Path> exportAws(AwsSpec spec, Path dir) {
        requireNonNull(spec, "spec is null");
        requireNonNull(dir, "dir is null");
        checkEmpty(dir);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("name", Hcl.string(spec.name()));
        values.put("cluster_id", Hcl.string(spec.clusterId()));
        values.put("workers", Integer.toString(spec.workers()));
        values.put("region", Hcl.string(spec.region()));
        values.put("scheduler_type", Hcl.string(spec.schedulerType()));
        values.put("worker_type", Hcl.string(spec.workerType()));
        values.put("allow_from", Hcl.list(spec.allowFrom()));
        values.put("ami_id", Hcl.string(spec.ami().orElse("")));
        values.put("root_volume_gib", Integer.toString(spec.rootVolumeGiB()));
        values.put("tags", Hcl.map(new java.util.TreeMap<>(spec.tags())));
        values.put("jcloud_version", Hcl.string(JCLOUD_VERSION));

        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir.resolve("boot"));
            for (String file : AWS_FILES) {
                String text = fill(file, read("terraform/aws/" + file), values);
                written.add(write(dir.resolve(file), text));
            }
            written.add(write(dir.resolve("boot/scheduler.sh"), schedulerScript(spec)));
            written.add(write(dir.resolve("boot/worker.sh"), workerScript(spec)));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Terraform module to " + dir + ": " + e.getMessage(), e);
        }
        return written;
    }

    /**
     * The scheduler's boot script. No idle timeout: a fixed cluster is always on, so the engine's
     * idle teardown stays off (its default) and nothing in the cluster removes machines.
     */
    static String schedulerScript(AwsSpec spec) {
        EngineCommand command = EngineCommand.scheduler()
                .with("--host", "0.0.0.0")
                .with("--port", "8786")
                .with("--dashboard-port", "8787");
        return BootScript.builder(command, spec.engine())
                .env("JCLOUD_CLUSTER", spec.name())
                .env("JCLOUD_CLUSTER_ID", spec.clusterId())
                .env("JCLOUD_NODE", ClusterNames.scheduler(spec.name()))
                .build().render();
    }

    /**
     * The workers' boot script, one for every member of the Auto Scaling group. Members come and
     * go (a failed one is replaced), so none has a fixed name: the engine's default (host-pid) is
     * unique per machine. The scheduler address is known only once Terraform created the
     * scheduler; {@code main.tf} replaces {@link #SCHEDULER_ADDRESS_PLACEHOLDER} with it (an
     * address has no character the script's single quotes would need escaped).
     */
    static String workerScript(AwsSpec spec) {
        EngineCommand command = EngineCommand.worker(SCHEDULER_ADDRESS_PLACEHOLDER).with("--host", "0.0.0.0");
        return BootScript.builder(command, spec.engine())
                .env("JCLOUD_CLUSTER", spec.name())
                .env("JCLOUD_CLUSTER_ID", spec.clusterId())
                .build().render();
    }

    static String fill(String file, String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 256);
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("template " + file + " has an unknown placeholder {{" + m.group(1) + "}}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void checkEmpty(Path dir) {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("the output directory " + dir + " is not empty: give a new or"
                            + " empty directory (an export never overwrites a module)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
            }
        } else if (Files.exists(dir)) {
            throw new IllegalArgumentException("the output path " + dir + " is a file, not a directory");
        }
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String read(String resource) {
        try (InputStream in = TerraformExporter.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("template " + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readVersion() {
        try (InputStream in = TerraformExporter.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "dev");
            return v.contains("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }

    /** The tag keys every exported resource carries (besides the user's). */
    static List<String> jcloudTagKeys() {
        return List.of(ClusterContext.NAME_TAG, ClusterContext.ID_TAG, "jcloud.creator", "jcloud.version");
    }
}
