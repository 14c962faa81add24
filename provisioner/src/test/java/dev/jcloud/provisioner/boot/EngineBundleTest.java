package dev.jcloud.provisioner.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarInputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineBundleTest {

    @TempDir
    Path dir;

    @Test
    void sameClassPathGivesTheSameBytesAndChecksum() throws Exception {
        List<Path> cp = classPath();
        EngineBundle a = EngineBundle.of(cp, dir.resolve("a"));
        Thread.sleep(5); // file times must not leak into the archive
        Files.setLastModifiedTime(cp.get(1).resolve("x/Y.class"), java.nio.file.attribute.FileTime.fromMillis(42));
        EngineBundle b = EngineBundle.of(cp, dir.resolve("b"));

        assertThat(a.sha256()).matches("[0-9a-f]{64}").isEqualTo(b.sha256());
        assertThat(Files.readAllBytes(a.file())).isEqualTo(Files.readAllBytes(b.file()));
        assertThat(a.file().getFileName().toString()).isEqualTo(a.fileName());
    }

    @Test
    void jarsAndClassDirectoriesLandUnderLibInClassPathOrder() throws Exception {
        EngineBundle bundle = EngineBundle.of(classPath(), dir.resolve("out"));

        List<String> names = new ArrayList<>();
        List<String> dirJarEntries = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(bundle.file()));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
                if (e.getName().endsWith("-classes.jar")) {
                    JarInputStream jar = new JarInputStream(tar);
                    for (var je = jar.getNextJarEntry(); je != null; je = jar.getNextJarEntry()) {
                        dirJarEntries.add(je.getName());
                    }
                }
            }
        }
        assertThat(names).containsExactly("lib/000-dep.jar", "lib/001-mod-classes.jar");
        assertThat(dirJarEntries).containsExactly("a.txt", "x/Y.class");
    }

    @Test
    void differentContentGivesADifferentChecksum() throws Exception {
        List<Path> cp = classPath();
        String before = EngineBundle.of(cp, dir.resolve("a")).sha256();
        Files.writeString(cp.get(1).resolve("a.txt"), "changed");
        assertThat(EngineBundle.of(cp, dir.resolve("b")).sha256()).isNotEqualTo(before);
    }

    private List<Path> classPath() throws IOException {
        Path jar = dir.resolve("repo/dep.jar");
        Files.createDirectories(jar.getParent());
        if (!Files.exists(jar)) {
            Files.write(jar, new byte[] {'P', 'K', 5, 6});
        }
        Path classes = dir.resolve("mod/target/classes");
        Files.createDirectories(classes.resolve("x"));
        if (!Files.exists(classes.resolve("a.txt"))) {
            Files.writeString(classes.resolve("a.txt"), "hello");
            Files.write(classes.resolve("x/Y.class"), new byte[] {1, 2, 3});
        }
        return List.of(jar, classes);
    }
}
