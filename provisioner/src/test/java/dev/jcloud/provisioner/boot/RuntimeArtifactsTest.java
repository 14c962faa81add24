package dev.jcloud.provisioner.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeArtifactsTest {

    @TempDir
    Path dir;

    @Test
    void aModulesListNamesItsRuntimeJars() {
        assertThat(RuntimeArtifacts.listedBy(RuntimeArtifactsTest.class, RuntimeArtifacts.ENGINE_ARTIFACTS))
                .containsExactly("jcloud-engine-1.0.jar", "netty-tcnative-2.0.61.Final-linux-x86_64.jar");
        assertThat(RuntimeArtifacts.listedBy(RuntimeArtifactsTest.class, "absent.txt"))
                .isEmpty();
    }

    @Test
    void aProvidersJarsAreTakenFromTheClassPathWithoutTheOtherProviders() throws Exception {
        Path self = jar("lib/jcloud-provider-x-1.jar");
        List<Path> classPath = List.of(
                jar("lib/aws-sdk-ec2-2.0.jar"),
                jar("lib/jcloud-engine-1.0.jar"),
                self,
                jar("lib/netty-tcnative-2.0.61.Final-linux-x86_64.jar"),
                jar("lib/azure-core-1.0.jar"));
        List<String> wanted = List.of("jcloud-engine-1.0.jar", "netty-tcnative-2.0.61.Final-linux-x86_64.jar");

        assertThat(RuntimeArtifacts.within(classPath, self, wanted).orElseThrow())
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "jcloud-engine-1.0.jar",
                        "jcloud-provider-x-1.jar",
                        "netty-tcnative-2.0.61.Final-linux-x86_64.jar");
    }

    @Test
    void theWholeClassPathStaysWhenAJarIsMissingTheListIsEmptyOrTheProviderIsAClassDirectory() throws Exception {
        Path self = jar("lib/jcloud-provider-x-1.jar");
        List<Path> classPath = List.of(jar("lib/jcloud-engine-1.0.jar"), self);
        assertThat(RuntimeArtifacts.within(classPath, self, List.of("jcloud-engine-1.0.jar", "gone-1.jar")))
                .isEmpty();
        assertThat(RuntimeArtifacts.within(classPath, self, List.of())).isEmpty();
        Path classes = Files.createDirectories(dir.resolve("target/classes"));
        assertThat(RuntimeArtifacts.within(List.of(classes), classes, List.of("jcloud-engine-1.0.jar")))
                .isEmpty();
    }

    private Path jar(String relative) throws Exception {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[] {1});
    }

    @Test
    void aProvidersArtifactsAreTakenInTheClassPathsVersionsAndAReplacedOneIsLeftOut() throws Exception {
        Path self = jar("lib/jcloud-provider-x-1.jar");
        List<Path> classPath = List.of(
                jar("lib/aws-sdk-ec2-2.0.jar"),
                jar("lib/httpclient-4.5.14.jar"),
                jar("lib/jcloud-engine-1.0.jar"),
                jar("lib/grpc-netty-shaded-1.76.0.jar"),
                self,
                jar("lib/netty-tcnative-2.0.61.Final-linux-x86_64.jar"));
        List<String> listed = List.of(
                "   dev.jcloud:jcloud-engine:jar:1.0:compile -- module jcloud.engine (auto)",
                "   org.apache.httpcomponents:httpclient:jar:4.5.13:runtime",
                "   commons-logging:commons-logging:jar:1.2:runtime",
                "   io.grpc:grpc-netty:jar:1.76.0:runtime",
                "   io.netty:netty-tcnative:jar:linux-x86_64:2.0.61.Final:runtime");

        assertThat(RuntimeArtifacts.artifactsWithin(classPath, self, listed).orElseThrow())
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "httpclient-4.5.14.jar",
                        "jcloud-engine-1.0.jar",
                        "jcloud-provider-x-1.jar",
                        "netty-tcnative-2.0.61.Final-linux-x86_64.jar");
        assertThat(RuntimeArtifacts.artifactsWithin(List.of(self), self, listed))
                .as("without the engine's jar: a development build")
                .isEmpty();
    }
}
