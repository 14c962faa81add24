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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes a cluster out as a self-contained Terraform module: a fixed, always-on deployment of the
 * same pieces {@code jcloud cluster up} creates (network, firewall, machine identity, scheduler,
 * workers as a group that replaces failed members), started by the same {@link BootScript} on
 * machines and the same {@link EngineCommand} arguments in containers ({@link BootScripts}).
 *
 * <p>The exporter knows no provider: a provider's {@link TerraformExport} gives a {@link ModuleSpec}
 * naming its templates, readable files under {@code terraform/<name>/} on the class path (and
 * {@code terraform/shared/} for pieces two modules share), and the values to fill them with. They hold placeholders
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

    /**
     * Writes {@code spec}'s module into {@code dir}, which must not exist or be empty (so that an
     * export never mixes with, or silently overwrites, an operator's edited module): the
     * templates of {@link ModuleSpec#templates()} filled with the cluster's and the spec's values,
     * and the spec's extra files.
     *
     * @return the files written
     * @throws IllegalStateException when a template is missing or has a placeholder without a value
     */
    public List<Path> export(ModuleSpec spec, Path dir) {
        requireNonNull(spec, "spec is null");
        Map<String, String> values = common(spec.cluster());
        spec.values().forEach((k, v) -> {
            if (values.containsKey(k)) {
                throw new IllegalStateException("the " + spec.templates() + " spec gives placeholder {{" + k
                        + "}}, which the exporter fills from the cluster");
            }
            values.put(k, v);
        });
        return write(spec.templates(), values, spec.files(), dir);
    }

    /**
     * The text of a template file on the class path, e.g. {@code terraform/shared/network.tf}, for
     * a spec that writes a shared piece as one of its {@linkplain ModuleSpec#files() files}.
     */
    public static String template(String resource) {
        return read(resource);
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

    /** {@code template} with each placeholder replaced by its value; {@code file} names it in errors. */
    public static String fill(String file, String template, Map<String, String> values) {
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

    /** The tag keys every exported resource that takes tags carries (besides the user's). */
    public static List<String> jcloudTagKeys() {
        return List.of(ClusterContext.NAME_TAG, ClusterContext.ID_TAG, "jcloud.creator", "jcloud.version");
    }
}
