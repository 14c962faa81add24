package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
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
import java.util.Properties;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a cluster out as a self-contained Terraform module: a fixed, always-on deployment of the
 * same pieces {@code jcloud cluster up} creates (network, firewall, machine identity, scheduler,
 * workers as a group that replaces failed members), started by the same {@link BootScript} on VMs
 * and the same {@link EngineCommand} arguments on Fargate.
 *
 * <p>The templates are readable files under {@code terraform/<provider>/} on the classpath (and
 * {@code terraform/shared/} for pieces two modules share). They hold placeholders
 * ({@code {{name}}}), each replaced by an HCL literal from {@link Hcl}: every exported value is a
 * variable default (or, for the engine commands, a list literal in {@code main.tf}), so user input
 * never reaches HCL unescaped. Boot scripts are written as plain files next to the module
 * ({@code boot/*.sh}) and read with {@code file()}, which interpolates nothing.
 */
public final class TerraformExporter {

    /** Replaced by Terraform with the scheduler's private address in the workers' boot script or command. */
    public static final String SCHEDULER_ADDRESS_PLACEHOLDER = BootScripts.SCHEDULER_ADDRESS;
    /** The version of jcloud (and so of the engine the boot scripts pin) that exported the module. */
    public static final String JCLOUD_VERSION = readVersion();
    /** The files of every module, in the order they are written. */
    public static final List<String> MODULE_FILES =
            List.of("versions.tf", "variables.tf", "main.tf", "outputs.tf", "terraform.tfvars.example", "README.md");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");

    /** Writes {@code spec}'s module into {@code dir}; see {@link #exportAws} for the rules on {@code dir}. */
    public List<Path> export(ModuleSpec spec, Path dir) {
        requireNonNull(spec, "spec is null");
        if (spec instanceof AwsSpec s) {
            return exportAws(s, dir);
        } else if (spec instanceof FargateSpec s) {
            return exportFargate(s, dir);
        } else if (spec instanceof GcpSpec s) {
            return exportGcp(s, dir);
        }
        return exportAzure((AzureSpec) spec, dir);
    }

    /**
     * Writes the AWS EC2 module into {@code dir}, which must not exist or be empty (so that an
     * export never mixes with, or silently overwrites, an operator's edited module).
     *
     * @return the files written
     */
    public List<Path> exportAws(AwsSpec spec, Path dir) {
        Map<String, String> values = common(spec.cluster());
        values.put("region", Hcl.string(spec.region()));
        values.put("scheduler_type", Hcl.string(spec.schedulerType()));
        values.put("worker_type", Hcl.string(spec.workerType()));
        values.put("ami_id", Hcl.string(spec.ami().orElse("")));
        values.put("root_volume_gib", Integer.toString(spec.rootVolumeGiB()));
        network(spec.network(), values);
        Consumer<BootScript.Builder> token = BootScripts.awsJoinToken(spec.cluster());
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("network.tf", read("terraform/shared/aws-network.tf"));
        extra.put("boot/scheduler.sh", BootScripts.scheduler(spec.cluster(), spec.engine(), token));
        extra.put("boot/worker.sh", BootScripts.worker(spec.cluster(), spec.engine(), token));
        return write("aws", values, extra, dir);
    }

    /** Writes the AWS Fargate (ECS) module into {@code dir} (new or empty). */
    public List<Path> exportFargate(FargateSpec spec, Path dir) {
        Map<String, String> values = common(spec.cluster());
        values.put("region", Hcl.string(spec.region()));
        values.put("engine_image", Hcl.string(spec.image().orElse("")));
        values.put("scheduler_cpu", Integer.toString(spec.schedulerCpu()));
        values.put("scheduler_memory", Integer.toString(spec.schedulerMemory()));
        values.put("worker_cpu", Integer.toString(spec.workerCpu()));
        values.put("worker_memory", Integer.toString(spec.workerMemory()));
        values.put("spot", Boolean.toString(spec.spot()));
        network(spec.network(), values);
        // A container runs the engine command itself: the same arguments the boot scripts exec.
        values.put("scheduler_args", Hcl.list(BootScripts.schedulerCommand().arguments()));
        values.put("worker_args", Hcl.list(BootScripts.workerCommand().arguments()));
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("network.tf", read("terraform/shared/aws-network.tf"));
        return write("fargate", values, extra, dir);
    }

    /** Writes the GCP Compute Engine module into {@code dir} (new or empty). */
    public List<Path> exportGcp(GcpSpec spec, Path dir) {
        Map<String, String> values = common(spec.cluster());
        values.put("project", Hcl.string(spec.project().orElse("")));
        values.put("zone", Hcl.string(spec.zone()));
        values.put("scheduler_machine_type", Hcl.string(spec.schedulerMachineType()));
        values.put("worker_machine_type", Hcl.string(spec.workerMachineType()));
        values.put("spot", Boolean.toString(spec.spot()));
        values.put("network", Hcl.string(spec.network()));
        values.put("subnetwork", Hcl.string(spec.subnetwork().orElse("")));
        // The machines read the join token main.tf stores in Secret Manager (GcpJoinTokenBootTest runs this).
        Consumer<BootScript.Builder> token = BootScripts.gcpJoinToken(spec.cluster());
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("boot/scheduler.sh", BootScripts.scheduler(spec.cluster(), spec.engine(), token));
        extra.put("boot/worker.sh", BootScripts.worker(spec.cluster(), spec.engine(), token));
        return write("gcp", values, extra, dir);
    }

    /** Writes the Azure VM module into {@code dir} (new or empty). */
    public List<Path> exportAzure(AzureSpec spec, Path dir) {
        Map<String, String> values = common(spec.cluster());
        values.put("subscription_id", Hcl.string(spec.subscription().orElse("")));
        values.put("location", Hcl.string(spec.location()));
        values.put("scheduler_size", Hcl.string(spec.schedulerSize()));
        values.put("worker_size", Hcl.string(spec.workerSize()));
        values.put("spot", Boolean.toString(spec.spot()));
        // The machines read the join token main.tf stores in Key Vault (AzureJoinTokenBootTest runs this).
        Consumer<BootScript.Builder> token = BootScripts.azureJoinToken(spec.cluster());
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("boot/scheduler.sh", BootScripts.scheduler(spec.cluster(), spec.engine(), token));
        extra.put("boot/worker.sh", BootScripts.worker(spec.cluster(), spec.engine(), token));
        return write("azure", values, extra, dir);
    }

    private static Map<String, String> common(FixedCluster c) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("name", Hcl.string(c.name()));
        values.put("cluster_id", Hcl.string(c.clusterId()));
        values.put("workers", Integer.toString(c.workers()));
        values.put("nthreads", Integer.toString(c.nthreads()));
        values.put("memory_limit", Hcl.string(c.memoryLimit()));
        values.put("allow_from", Hcl.list(c.allowFrom()));
        values.put("tags", Hcl.map(c.tags()));
        values.put("jcloud_version", Hcl.string(JCLOUD_VERSION));
        return values;
    }

    private static void network(AwsNetwork n, Map<String, String> values) {
        values.put("subnet_ids", Hcl.list(n.subnetId().map(List::of).orElse(List.of())));
        values.put("vpc_id", Hcl.string(n.vpcId().orElse("")));
        values.put("create_vpc", Boolean.toString(n.createVpc()));
    }

    private List<Path> write(String provider, Map<String, String> values, Map<String, String> extra, Path dir) {
        requireNonNull(dir, "dir is null");
        checkEmpty(dir);
        List<Path> written = new ArrayList<>();
        try {
            for (String file : MODULE_FILES) {
                String text = fill(provider + "/" + file, read("terraform/" + provider + "/" + file), values);
                written.add(write(dir.resolve(file), text));
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                written.add(write(dir.resolve(e.getKey()), e.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Terraform module to " + dir + ": " + e.getMessage(), e);
        }
        return written;
    }

    static String fill(String file, String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 256);
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException(
                        "template " + file + " has an unknown placeholder {{" + m.group(1) + "}}");
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

    /** The tag keys every exported AWS/Azure resource carries (besides the user's). */
    static List<String> jcloudTagKeys() {
        return List.of(ClusterContext.NAME_TAG, ClusterContext.ID_TAG, "jcloud.creator", "jcloud.version");
    }
}
