package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.boot.EngineBundle;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An engine bundle for running exported boot scripts in tests: this test JVM's class path (it holds
 * the real join-token fetchers and their libraries) with a stand-in {@code EngineMain} first, so that
 * it wins over the engine's. The stand-in prints its arguments and, without printing the token, the
 * file in {@code JCLOUD_JOIN_TOKEN_FILE}, its permissions and the SHA-256 of its content:
 * {@code fake engine: ARGS} and {@code fake engine: token file PATH PERMISSIONS sha256=HEX}.
 */
public final class StandInEngine {

    private StandInEngine() {}

    public static EngineBundle bundle(Path dir) throws Exception {
        Path src = dir.resolve("src/dev/jcloud/engine/process/EngineMain.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package dev.jcloud.engine.process;

                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.nio.file.attribute.PosixFilePermissions;
                import java.security.MessageDigest;
                import java.util.HexFormat;

                public class EngineMain {
                    public static void main(String[] a) throws Exception {
                        System.out.println("fake engine: " + String.join(" ", a));
                        String f = System.getenv("JCLOUD_JOIN_TOKEN_FILE");
                        if (f == null) {
                            System.out.println("fake engine: no JCLOUD_JOIN_TOKEN_FILE");
                            return;
                        }
                        Path p = Path.of(f);
                        System.out.println("fake engine: token file " + f + " "
                                + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " sha256="
                                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("stand-in"));
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK (not a JRE) runs the tests").isNotNull();
        assertThat(javac.run(null, null, null, "--release", "17", "-d", classes.toString(), src.toString()))
                .isZero();
        List<Path> classPath = new ArrayList<>();
        classPath.add(classes);
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank() && Files.exists(Path.of(e))) {
                classPath.add(Path.of(e).toAbsolutePath());
            }
        }
        return EngineBundle.of(classPath, dir.resolve("bundles"));
    }
}
