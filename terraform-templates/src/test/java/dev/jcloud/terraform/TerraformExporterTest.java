package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generic exporter with a module of this test's own ({@code terraform/sample/} among the test
 * resources): it finds the templates by the spec's name, fills every placeholder with an HCL
 * literal, writes the spec's files, and refuses what would mix with or silently break a module.
 */
class TerraformExporterTest {

    @TempDir
    Path tmp;

    /** A provider's spec in miniature. */
    private record SampleSpec(FixedCluster cluster, String templates, Map<String, String> values)
            implements ModuleSpec {

        @Override
        public String where() {
            return "somewhere";
        }

        @Override
        public Map<String, String> files() {
            return Map.of("boot/hello.sh", "#!/bin/sh\necho hello\n");
        }
    }

    private static SampleSpec sample(String templates, Map<String, String> values) {
        FixedCluster c = FixedCluster.of("sample", 3)
                .withTags(Map.of("team", "data\"${x}"))
                .withAllowFrom(List.of("203.0.113.7/32"));
        return new SampleSpec(c, templates, values);
    }

    @Test
    void fillsTheTemplatesItFindsByName() throws IOException {
        Path dir = tmp.resolve("module");
        List<Path> written = new TerraformExporter().export(sample("sample", Map.of("where", Hcl.string("here"))), dir);
        assertThat(written).hasSize(TerraformExporter.MODULE_FILES.size() + 1);
        String vars = Files.readString(dir.resolve("variables.tf"));
        assertThat(vars)
                .contains("default = \"sample\"", "default = 3", "default = \"here\"", "\"data\\\"$${x}\"")
                .doesNotContain("{{");
        assertThat(Files.readString(dir.resolve("main.tf")))
                .contains("[\"203.0.113.7/32\"]", "\"auto\"", TerraformExporter.JCLOUD_VERSION);
        assertThat(Files.readString(dir.resolve("boot/hello.sh"))).isEqualTo("#!/bin/sh\necho hello\n");
    }

    @Test
    void aNonEmptyDirectoryIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(dir.resolve("main.tf"), "# mine");
        assertThatThrownBy(() ->
                        new TerraformExporter().export(sample("sample", Map.of("where", Hcl.string("x"))), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty");
        assertThat(Files.readString(dir.resolve("main.tf"))).isEqualTo("# mine");
    }

    @Test
    void placeholdersWithoutAValueAndValuesOfTheClusterAreRefused() {
        assertThatThrownBy(() -> new TerraformExporter()
                        .export(sample("broken", Map.of("where", Hcl.string("x"))), tmp.resolve("a")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("{{no_such_value}}");
        assertThatThrownBy(() -> new TerraformExporter()
                        .export(sample("sample", Map.of("where", "1", "name", "2")), tmp.resolve("b")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("{{name}}");
        assertThatThrownBy(() -> new TerraformExporter().export(sample("absent", Map.of()), tmp.resolve("c")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("terraform/absent/");
    }
}
