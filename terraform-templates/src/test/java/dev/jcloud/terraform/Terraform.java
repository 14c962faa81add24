package dev.jcloud.terraform;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code terraform} binary on a module, offline: {@code terraform init} installs
 * providers only from the filesystem mirror named by {@value #PLUGIN_DIR_ENV} (layout
 * {@code registry.terraform.io/hashicorp/aws/<version>/<os_arch>/}), through a CLI config file
 * generated in a temp directory. Fails, naming what to install or set, when terraform or the
 * mirror is missing: these tests never pass without them.
 *
 * <p>{@link #withoutProviders} is for what needs no provider ({@code fmt}, {@code console} on
 * variables): the google and azurerm providers are not in the mirror.
 */
public final class Terraform {

    public static final String PLUGIN_DIR_ENV = "TERRAFORM_PLUGIN_MIRROR";

    private final String executable;
    private final Path cliConfig;
    private final java.util.Map<String, String> env;

    private Terraform(String executable, Path cliConfig, java.util.Map<String, String> env) {
        this.executable = executable;
        this.cliConfig = cliConfig;
        this.env = java.util.Map.copyOf(env);
    }

    /** Terraform with no provider installation at all: for fmt and for console on provider-free files. */
    public static Terraform withoutProviders(Path workDir) throws IOException {
        Path config = workDir.resolve("terraform-cli-none.tfrc");
        Files.writeString(config, "# no providers: fmt and console only\n");
        return new Terraform(executable(), config, java.util.Map.of());
    }

    /** A copy that runs terraform with one more environment variable (e.g. {@code TF_VAR_join_token}). */
    public Terraform withEnv(String name, String value) {
        java.util.Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put(name, value);
        return new Terraform(executable, cliConfig, copy);
    }

    private static String executable() {
        return findOnPath("terraform")
                .orElseThrow(
                        () -> new AssertionError(
                                "terraform is not on PATH: install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install)"));
    }

    public static Terraform offline(Path workDir) throws IOException {
        String exe = executable();
        String dir = System.getenv(PLUGIN_DIR_ENV);
        if (dir == null || dir.isBlank()) {
            throw new AssertionError(
                    "set " + PLUGIN_DIR_ENV + " to a Terraform provider mirror holding hashicorp/aws 5.x"
                            + " (layout registry.terraform.io/hashicorp/aws/<version>/<os_arch>/; create one with"
                            + " `terraform providers mirror DIR` on a machine with internet access)");
        }
        Path mirror = Path.of(dir);
        if (!Files.isDirectory(mirror.resolve("registry.terraform.io/hashicorp/aws"))) {
            throw new AssertionError(PLUGIN_DIR_ENV + "=" + dir + " holds no registry.terraform.io/hashicorp/aws:"
                    + " put the hashicorp/aws 5.x provider there (`terraform providers mirror " + dir + "`)");
        }
        Path config = workDir.resolve("terraform-cli.tfrc");
        Files.writeString(
                config,
                "provider_installation {\n  filesystem_mirror {\n    path    = "
                        + Hcl.string(mirror.toAbsolutePath().toString())
                        + "\n    include = [\"registry.terraform.io/hashicorp/*\"]\n"
                        + "  }\n  direct {\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }\n}\n");
        return new Terraform(exe, config, java.util.Map.of());
    }

    /** Runs {@code terraform args...} in {@code module}; returns stdout+stderr; fails on a non-zero exit. */
    public String run(Path module, String... args) throws IOException, InterruptedException {
        return runWithInput(module, null, args);
    }

    /** {@code terraform console} evaluating {@code expression}. */
    public String console(Path module, String expression) throws IOException, InterruptedException {
        return runWithInput(module, expression + "\n", "console", "-no-color");
    }

    private String runWithInput(Path module, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(module.toFile()).redirectErrorStream(true);
        pb.environment().put("TF_CLI_CONFIG_FILE", cliConfig.toString());
        pb.environment().put("TF_IN_AUTOMATION", "1");
        pb.environment().put("TF_INPUT", "0");
        pb.environment().put("CHECKPOINT_DISABLE", "1");
        // Never the developer's real AWS profile: the module only ever talks to moto here.
        pb.environment().remove("AWS_PROFILE");
        // Secrets reach terraform through its environment, never its command line.
        pb.environment().putAll(env);
        Path out = Files.createTempFile("terraform-", ".log");
        pb.redirectOutput(out.toFile());
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        long start = System.nanoTime();
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly();
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        System.out.printf("terraform %s: %.1f s%n", args[0], (System.nanoTime() - start) / 1e9);
        Files.deleteIfExists(out);
        if (!done || p.exitValue() != 0) {
            throw new AssertionError("terraform " + String.join(" ", args) + " failed"
                    + (done ? " (exit " + p.exitValue() + ")" : " (timed out)") + ":\n" + text);
        }
        return text;
    }

    private static Optional<String> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
