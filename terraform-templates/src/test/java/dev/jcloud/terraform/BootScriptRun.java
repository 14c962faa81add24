package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** An exported boot script run with bash, as root would on the machine, with the cloud's endpoints set by the test. */
public final class BootScriptRun {

    public record Result(int exit, String out, String err) {}

    private BootScriptRun() {}

    /** {@code content} as {@code <dir>/<name>.sh}. */
    public static Path write(Path dir, String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name + ".sh"), content);
    }

    /**
     * Runs {@code script} with {@code JCLOUD_HOME=home}, powering off as a no-op and this JVM's
     * {@code java} first on the path; {@code environment} strips the machine's credentials and
     * points the cloud's APIs at the fakes. Fails naming the tool to install when one is missing.
     */
    public static Result run(
            Path script, Path home, Path dir, Consumer<Map<String, String>> environment, String... tools)
            throws Exception {
        for (String tool : tools) {
            if (new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
                fail(tool + " is needed to run the boot scripts in this test: install it (apt-get install " + tool
                        + ")");
            }
        }
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
        Map<String, String> env = pb.environment();
        environment.accept(env);
        env.put("JCLOUD_HOME", home.toString());
        env.put("JCLOUD_POWEROFF", "true");
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the boot script did not end within 120 s: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
