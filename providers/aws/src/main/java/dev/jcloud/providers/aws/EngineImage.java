package dev.jcloud.providers.aws;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.jcloud.engine.process.EngineMain;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineBundle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's container image, built with Jib's library (no Docker) from an {@link EngineBundle}:
 * exactly the JARs machines on EC2 run, so one SHA-256 names both.
 *
 * <p>Layout: a base image that has {@code java} on its {@code PATH} (by default Amazon Corretto 17
 * from Amazon's public registry, see {@link FargateOptions#DEFAULT_BASE_IMAGE}), then two layers of
 * the bundle's JARs under {@code /app/libs/} (the dependencies, which change rarely, and jcloud's
 * own), then {@code /app/jib-classpath-file}, the JARs in class-path order: the layout the
 * {@code image} profile of the CLI module writes, so task definitions start either image the same
 * way ({@link TaskDefinitions#ENTRY_POINT}). The image's own entry point runs the engine
 * ({@code docker run IMAGE scheduler}).
 *
 * <p>Reproducible: Jib dates files and the image at fixed times and orders entries, so the same
 * bundle on the same base gives the same image digest; layers a registry already has are not sent
 * again.
 */
final class EngineImage {

    /** Where the JARs go in the image. */
    static final String LIBS = "/app/libs/";
    /** The class path file the entry point reads ({@code java -cp @FILE}). */
    static final String CLASS_PATH_FILE = "/app/jib-classpath-file";

    private static final Logger LOG = LoggerFactory.getLogger(EngineImage.class);

    private final EngineBundle bundle;
    private final Path cacheDir;

    /** The image of {@code bundle}; {@code cacheDir} holds the unpacked JARs and Jib's layer caches. */
    EngineImage(EngineBundle bundle, Path cacheDir) {
        this.bundle = bundle;
        this.cacheDir = cacheDir;
    }

    /** Where a push goes, and with what. */
    record Target(String image, String username, String password, boolean plainHttp) {
        @Override
        public String toString() {
            return image; // never the password
        }
    }

    /** What a push did: the image's digest, the bytes of its JARs, the time it took. */
    record Pushed(String digest, long jarBytes, long millis) {}

    /**
     * Builds the image on {@code baseImage} and pushes it to {@code target} (layers the target
     * already holds are skipped by Jib). Fails with a message naming the base image and the target.
     */
    Pushed push(String baseImage, Target target) {
        long start = System.nanoTime();
        try {
            Path libs = unpack();
            List<Path> jars;
            try (Stream<Path> s = Files.list(libs)) {
                jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                        .sorted()
                        .toList();
            }
            List<Path> own = new ArrayList<>();
            List<Path> dependencies = new ArrayList<>();
            long bytes = 0;
            for (Path jar : jars) {
                (isJcloud(jar) ? own : dependencies).add(jar);
                bytes += Files.size(jar);
            }
            Path classPath = cacheDir.resolve("jib-classpath-file");
            Files.writeString(
                    classPath,
                    String.join(
                            ":", jars.stream().map(j -> LIBS + j.getFileName()).toList()),
                    StandardCharsets.UTF_8);
            JibContainerBuilder builder = Jib.from(RegistryImage.named(baseImage))
                    .setFormat(ImageFormat.Docker)
                    .setCreationTime(Instant.EPOCH)
                    .addFileEntriesLayer(layer("dependencies", dependencies))
                    .addFileEntriesLayer(layer("jcloud", own))
                    .addFileEntriesLayer(FileEntriesLayer.builder()
                            .setName("class-path")
                            .addEntry(classPath, AbsoluteUnixPath.get(CLASS_PATH_FILE))
                            .build())
                    .setEntrypoint(List.of(
                            "java",
                            "-XX:MaxRAMPercentage=75",
                            "-cp",
                            "@" + CLASS_PATH_FILE,
                            EngineMain.class.getName()))
                    .setExposedPorts(
                            Port.tcp(ClusterSecurityGroup.SCHEDULER_PORT),
                            Port.tcp(ClusterSecurityGroup.DASHBOARD_PORT))
                    .addLabel("jcloud.engine-sha256", bundle.sha256())
                    .addLabel(Tags.VERSION, Tags.JCLOUD_VERSION);
            Containerizer to = Containerizer.to(
                            RegistryImage.named(target.image()).addCredential(target.username(), target.password()))
                    .setToolName("jcloud")
                    .setToolVersion(Tags.JCLOUD_VERSION)
                    .setAllowInsecureRegistries(target.plainHttp())
                    .setBaseImageLayersCache(cacheDir.resolve("jib-base-cache"))
                    .setApplicationLayersCache(cacheDir.resolve("jib-app-cache"))
                    .addEventHandler(LogEvent.class, e -> LOG.debug("jib: {}", e.getMessage()));
            JibContainer container = builder.containerize(to);
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new Pushed(container.getDigest().toString(), bytes, millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while building the engine image", e);
        } catch (ExecutionException e) {
            throw failed(baseImage, target, e.getCause() == null ? e : e.getCause());
        } catch (Exception e) {
            throw failed(baseImage, target, e);
        }
    }

    private static ProvisionException failed(String baseImage, Target target, Throwable cause) {
        return new ProvisionException(
                "could not build the engine image on " + baseImage + " and push it to " + target + ": "
                        + cause.getMessage() + " (set " + FargateOptions.BASE_IMAGE
                        + " to a base image with java 17 or newer on its PATH that this machine can pull, or "
                        + FargateOptions.IMAGE + " to an engine image of your own)",
                cause);
    }

    /** The bundle's JARs in a directory of their own, unpacked once per bundle. */
    private Path unpack() throws IOException {
        Path dir = cacheDir.resolve("image-" + bundle.sha256());
        Path libs = dir.resolve("lib");
        if (Files.isDirectory(libs) && Files.exists(dir.resolve(".complete"))) {
            return libs;
        }
        Files.createDirectories(libs);
        try (InputStream in = Files.newInputStream(bundle.file());
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 1 << 16))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (e.isFile() && name.startsWith("lib/") && name.indexOf('/', 4) < 0 && name.endsWith(".jar")) {
                    Files.copy(tar, libs.resolve(name.substring(4)), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.writeString(dir.resolve(".complete"), bundle.sha256());
        return libs;
    }

    private static FileEntriesLayer layer(String name, List<Path> jars) {
        FileEntriesLayer.Builder b = FileEntriesLayer.builder().setName(name);
        for (Path jar : jars) {
            b.addEntry(jar, AbsoluteUnixPath.get(LIBS + jar.getFileName()));
        }
        return b.build();
    }

    /** jcloud's own JARs (and class directories packed by the bundle): the layer that changes with each build. */
    private static boolean isJcloud(Path jar) {
        String name = jar.getFileName().toString();
        return name.contains("jcloud") || name.endsWith("-classes.jar");
    }
}
