package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineClasspathTest {

    @TempDir
    Path dir;

    @Test
    void readsDependencyListLinesIntoJarNames() {
        assertThat(EngineClasspath.parse(List.of(
                        "",
                        "The following files have been resolved:",
                        "   com.fasterxml.jackson.core:jackson-core:jar:2.18.2:compile -- module com.fasterxml.jackson.core",
                        "   io.netty:netty-tcnative:jar:linux-x86_64:2.0.61.Final:runtime",
                        "   dev.jcloud:jcloud-engine:jar:0.1.0-SNAPSHOT:compile -- module jcloud.engine (auto)",
                        "   org.example:bom:pom:1.0:compile",
                        "   org.junit:junit:jar:5.0:test")))
                .containsExactly(
                        "jackson-core-2.18.2.jar",
                        "netty-tcnative-2.0.61.Final-linux-x86_64.jar",
                        "jcloud-engine-0.1.0-SNAPSHOT.jar");
    }

    @Test
    void theBuildListsTheEngineAndNoLoggingBackend() {
        // The engine's processes log through their own SLF4J binding; a logging library among these jars
        // would also land on the class path of every program that starts a local cluster.
        assertThat(EngineClasspath.jarNames())
                .anyMatch(n -> n.startsWith("jcloud-engine-"))
                .anyMatch(n -> n.startsWith("jcloud-client-"))
                .anyMatch(n -> n.startsWith("jcloud-provisioner-"))
                .noneMatch(n -> n.startsWith("logback-"))
                .anyMatch(n -> n.startsWith("grpc-netty-shaded-"))
                .noneMatch(n -> n.startsWith("junit") || n.startsWith("assertj"));
    }

    @Test
    void keepsOnlyTheEngineJarsInClassPathOrderPlusExtras() throws Exception {
        Path self = jar("lib/jcloud-provider-local-1.jar");
        List<String> needed = EngineClasspath.jarNames();
        StringBuilder cp = new StringBuilder(jar("lib/aws-sdk-ec2-2.0.jar").toString());
        for (String name : needed) {
            cp.append(File.pathSeparator).append(jar("lib/" + name));
        }
        cp.append(File.pathSeparator).append(self).append(File.pathSeparator).append(jar("lib/azure-core-1.0.jar"));
        Path tasks = Files.createDirectories(dir.resolve("app/classes"));

        String narrowed =
                EngineClasspath.within(cp.toString(), self, List.of(tasks)).orElseThrow();

        List<String> names = List.of(narrowed.split(File.pathSeparator)).stream()
                .map(e -> Path.of(e).getFileName().toString())
                .toList();
        assertThat(names)
                .hasSize(needed.size() + 2)
                .doesNotContain("aws-sdk-ec2-2.0.jar", "azure-core-1.0.jar")
                .endsWith("jcloud-provider-local-1.jar", "classes");
    }

    @Test
    void keepsTheWholeClassPathWhenAnEngineJarIsMissingOrTheProviderIsAClassDirectory() throws Exception {
        Path self = jar("lib/jcloud-provider-local-1.jar");
        String onlySelf = self.toString();
        assertThat(EngineClasspath.within(onlySelf, self, List.of())).isEmpty();
        Path classes = Files.createDirectories(dir.resolve("target/classes"));
        assertThat(EngineClasspath.within(classes.toString(), classes, List.of()))
                .isEmpty();
    }

    private Path jar(String relative) throws Exception {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        if (!Files.exists(p)) {
            Files.write(p, new byte[] {'P', 'K', 5, 6});
        }
        return p;
    }
}
