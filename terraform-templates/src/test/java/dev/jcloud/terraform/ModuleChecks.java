package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.Shellcheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks of an exported module's structure, without Terraform, shared by the providers' module
 * tests: the files, every choice a documented variable, the join token sensitive and nowhere else,
 * tags or labels on every resource that takes them, and the boot scripts embedded by reference
 * (never a second copy of the script in HCL).
 */
public final class ModuleChecks {

    /** A stand-in engine download for exports that need one. */
    public static final EngineArtifact ENGINE =
            EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.tar.gz"), "c".repeat(64));

    private ModuleChecks() {}

    /** Exports {@code spec} into {@code dir}/its template folder's name and returns that directory. */
    public static Path export(ModuleSpec spec, Path dir) {
        Path module = dir.resolve(spec.templates());
        new TerraformExporter().export(spec, module);
        return module;
    }

    /** What every module has, whatever the provider; {@code bootScripts}: whether machines boot with the rendered scripts. */
    public static void common(Path dir, boolean bootScripts) throws IOException {
        for (String f : TerraformExporter.MODULE_FILES) {
            assertThat(dir.resolve(f)).isRegularFile();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain("{{");
            }
        }
        Map<String, String> vars = HclBlocks.of(read(dir, "variables.tf"));
        vars.forEach((k, body) -> assertThat(body).as(k).contains("description = "));
        assertThat(vars.get("variable join_token"))
                .contains("sensitive   = true")
                .doesNotContain("default");
        assertThat(vars)
                .containsKeys(
                        "variable workers",
                        "variable allow_from",
                        "variable worker_nthreads",
                        "variable worker_memory_limit",
                        "variable jcloud_version");
        String outputs = read(dir, "outputs.tf");
        assertThat(HclBlocks.of(outputs).keySet())
                .contains("output scheduler_address", "output dashboard_url", "output connect");
        assertThat(outputs).doesNotContain("join_token", "sensitive");
        assertThat(read(dir, "versions.tf")).containsPattern("version = \"~> [0-9]+\\.0\"");
        assertThat(read(dir, "README.md")).contains("jcloud cluster up", "no idle teardown", "TF_VAR_join_token");
        assertThat(read(dir, "terraform.tfvars.example"))
                .contains("TF_VAR_join_token")
                .doesNotContain("join_token =");
        String main = read(dir, "main.tf");
        // The one renderer's script is embedded by reference; no piece of it is copied into HCL.
        assertThat(main).doesNotContain("#!/bin/bash", "sha256sum", "jcloud_fetch");
        if (bootScripts) {
            String worker = read(dir, "boot/worker.sh");
            assertThat(worker)
                    .startsWith("#!/bin/bash")
                    .contains(
                            BootScripts.SCHEDULER_ADDRESS,
                            BootScripts.NTHREADS,
                            BootScripts.MEMORY_LIMIT,
                            "c".repeat(64));
            assertThat(read(dir, "boot/scheduler.sh")).contains("'scheduler'\n  '--host'");
            try {
                Shellcheck.assertClean(dir.getFileName() + "/boot/worker.sh", worker);
                Shellcheck.assertClean(dir.getFileName() + "/boot/scheduler.sh", read(dir, "boot/scheduler.sh"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            assertThat(main)
                    .contains(
                            "\"__JCLOUD_SCHEDULER_ADDRESS__\"",
                            "\"__JCLOUD_NTHREADS__\"",
                            "\"__JCLOUD_MEMORY_LIMIT__\"",
                            "file(\"${path.module}/boot/worker.sh\")");
        } else {
            assertThat(dir.resolve("boot")).doesNotExist();
        }
    }

    /** Every resource carries {@code attribute} (tags or labels), except the types that take none. */
    public static void assertTagged(Map<String, String> resources, String attribute, Set<String> untaggable) {
        assertThat(resources).isNotEmpty();
        resources.forEach((key, body) -> {
            String type = key.substring("resource ".length(), key.indexOf('.'));
            if (key.startsWith("resource ") && !untaggable.contains(type)) {
                assertThat(body).as(key).containsPattern("(?m)^  " + attribute + " +=");
            }
        });
    }

    public static Map<String, String> resources(Path dir, String... files) throws IOException {
        Map<String, String> all = new LinkedHashMap<>();
        for (String f : files) {
            HclBlocks.of(read(dir, f)).forEach((k, v) -> {
                if (k.startsWith("resource ")) {
                    all.put(k, v);
                }
            });
        }
        return all;
    }

    public static String block(String hcl, String key) {
        String b = HclBlocks.of(hcl).get(key);
        assertThat(b).as(key).isNotNull();
        return b;
    }

    public static String read(Path dir, String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }
}
