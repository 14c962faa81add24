package dev.jcloud.provisioner.boot;

import static dev.jcloud.provisioner.boot.ShellQuote.quote;
import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.worker.WorkerServer;
import dev.jcloud.provisioner.EngineCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one renderer of the bash script that starts an engine role on a machine (EC2 user-data,
 * GCE metadata, Azure custom data; the in-cluster controller and the Terraform exporter use the
 * same renderer). The script's logic is a plain resource, {@code boot.sh} beside this class
 * (shellcheck-clean); this class renders only a header of {@link ShellQuote}-quoted values before
 * it, and the provider's {@link BootStep}s as functions. The script
 *
 * <ol>
 *   <li>uses the machine's {@code java} when there is one, else installs a JRE with the OS
 *       package manager ({@code dnf}, {@code yum} or {@code apt-get}): the {@link JreInstall}
 *       seam;</li>
 *   <li>downloads the engine from {@link EngineArtifact#url()} (with a request header computed at
 *       boot, if a provider asks for one: {@link Builder#engineDownloadHeader}) and refuses to start
 *       unless its SHA-256 matches, so the machine runs exactly the engine of the client;</li>
 *   <li>runs the provider's join-token and secrets steps ({@link Builder#joinToken},
 *       {@link Builder#secrets}), then runs {@code java ... EngineMain <engine command>} (its output
 *       is the machine's boot log: console output, {@code cloud-init-output.log});</li>
 *   <li>starts a worker again when it exited at its memory limit, at most
 *       {@value #MEMORY_RESTARTS} times (what Dask's nanny does), and otherwise powers the machine
 *       off when the engine exits, so a machine without an engine stops costing money;</li>
 *   <li>powers the machine off as well when a step before the engine fails (naming the step's
 *       failure in the boot log), keeping the failure's exit status for a launcher that runs it.</li>
 * </ol>
 *
 * <p>Every interpolated value is single-quoted with {@link ShellQuote}, so cluster names, tags
 * and flags reach the engine verbatim whatever they contain. The script holds no secrets: it is
 * readable by anyone who can describe the instance.
 *
 * <p>{@code JCLOUD_HOME} (default {@code /opt/jcloud}) may be set in the environment of the
 * script; tests use that to run the script unprivileged.
 */
public final class BootScript {

    /** The engine's process entry point. */
    public static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";
    /** How often a VM starts its worker again after it exited at its memory limit (Dask's nanny restarts it). */
    public static final int MEMORY_RESTARTS = 5;
    /** Prefix of an engine argument that names a file under the machine's {@code $JCLOUD_HOME}. */
    public static final String HOME = "$JCLOUD_HOME/";
    /**
     * Where a {@link Builder#watcher} writes a cloud's interruption notice (spot reclaim, preemption,
     * eviction); the worker's {@code --interruption-file} names it and the worker then retires
     * gracefully.
     */
    public static final String INTERRUPTION_FILE = HOME + "interrupted";
    /** Where {@link Builder#secrets} and {@link Builder#joinToken} steps write, as an engine argument prefix. */
    public static final String SECRETS = HOME + "secrets/";

    /** The script's logic, rendered after the header. */
    static final String RESOURCE = "boot.sh";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");
    /** Upper-case names the script itself sets; {@link BootStep}s may read the first three. */
    private static final Set<String> SCRIPT_NAMES =
            Set.of("JCLOUD_HOME", "ENGINE_URL", "ENGINE_SHA256", "JCLOUD_CLASSPATH", "JCLOUD_JOIN_TOKEN_FILE");

    private static final String BODY = readBody();

    private final EngineCommand command;
    private final EngineArtifact engine;
    private final JreInstall jre;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private final BootStep joinTokenStep;
    private final String joinTokenFile;
    private final String nodeNameFlag;
    private final List<String> nodeNames;
    private final BootStep launchIndex;
    private final BootStep secretsStep;
    private final BootStep watcher;
    private final BootStep downloadHeader;

    private BootScript(Builder b) {
        this.command = requireNonNull(b.command, "command is null");
        this.engine = requireNonNull(b.engine, "engine is null");
        this.jre = b.jre;
        this.environment = Map.copyOf(b.environment);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.joinTokenStep = b.joinTokenStep;
        this.joinTokenFile = b.joinTokenFile;
        this.nodeNameFlag = b.nodeNameFlag;
        this.nodeNames = b.nodeNames;
        this.launchIndex = b.launchIndex;
        this.secretsStep = b.secretsStep;
        this.watcher = b.watcher;
        this.downloadHeader = b.downloadHeader;
        if (nodeNameFlag != null && command.option(nodeNameFlag) == null) {
            throw new IllegalArgumentException("the engine command has no " + nodeNameFlag + " to set per node");
        }
    }

    /** A builder for the script that runs {@code command} with the engine from {@code engine}. */
    public static Builder builder(EngineCommand command, EngineArtifact engine) {
        return new Builder(command, engine);
    }

    /** The script, starting with {@code #!/bin/bash}: the quoted values, the provider's steps, then {@code boot.sh}. */
    public String render() {
        StringBuilder s = new StringBuilder(8192);
        s.append("#!/bin/bash\n");
        s.append("# Rendered by jcloud (dev.jcloud.provisioner.boot.BootScript): starts one engine role on this\n");
        s.append("# machine. It holds no secrets; anything secret is fetched at boot with the machine's identity.\n");
        // Values are single-quoted on purpose: a '$(...)' in a tag is text, never run.
        s.append("# shellcheck disable=SC2016\n");
        s.append("JCLOUD_HOME=\"${JCLOUD_HOME:-/opt/jcloud}\"\n");
        s.append("ENGINE_URL=").append(quote(engine.url().toString())).append('\n');
        s.append("ENGINE_SHA256=").append(quote(engine.sha256())).append('\n');
        s.append("engine_format=")
                .append(quote(engine.format() == EngineArtifact.Format.TAR_GZ ? "tar.gz" : "jar"))
                .append('\n');
        s.append("engine_role=").append(quote(command.role().label())).append('\n');
        s.append("engine_main=").append(quote(MAIN_CLASS)).append('\n');
        s.append("memory_restarts=").append(MEMORY_RESTARTS).append('\n');
        s.append("exit_memory=").append(WorkerServer.EXIT_MEMORY).append('\n');
        array(
                s,
                "jre_rpm_packages",
                jre.rpmPackages().stream().map(ShellQuote::quote).toList(),
                false);
        array(
                s,
                "jre_deb_packages",
                jre.debPackages().stream().map(ShellQuote::quote).toList(),
                false);
        array(s, "jvm_options", jvmOptions.stream().map(ShellQuote::quote).toList(), false);
        List<String> args = command.arguments();
        List<String> rendered = new ArrayList<>();
        int nodeNameArg = -1;
        for (int i = 0; i < args.size(); i++) {
            if (nodeNameFlag != null
                    && i > 0
                    && nodeNameArg < 0
                    && args.get(i - 1).equals(nodeNameFlag)) {
                nodeNameArg = i; // replaced on the machine by its own name (boot.sh)
            }
            rendered.add(homeRelative(args.get(i)));
        }
        array(s, "engine_args", rendered, true);
        array(
                s,
                "node_names",
                nodeNames == null
                        ? List.of()
                        : nodeNames.stream().map(ShellQuote::quote).toList(),
                false);
        s.append("node_name_arg=").append(nodeNameArg).append('\n');
        s.append("join_token_file=")
                .append(quote(joinTokenFile == null ? "" : joinTokenFile))
                .append('\n');
        // Sorted so that the same inputs always render the same script (diffable, cacheable).
        new TreeMap<>(environment)
                .forEach((k, v) -> s.append("export ")
                        .append(k)
                        .append('=')
                        .append(quote(v))
                        .append('\n'));
        s.append("\n# Boot steps of the provider (trusted code, see dev.jcloud.provisioner.boot.BootStep).\n");
        step(s, "jcloud_step_launch_index", launchIndex);
        step(s, "jcloud_step_download_header", downloadHeader);
        step(s, "jcloud_step_join_token", joinTokenStep);
        step(s, "jcloud_step_secrets", secretsStep);
        step(s, "jcloud_step_watch", watcher);
        s.append("\n# From boot.sh:\n").append(BODY);
        return s.toString();
    }

    private static void array(StringBuilder s, String name, List<String> quoted, boolean oneALine) {
        s.append(name).append("=(");
        for (int i = 0; i < quoted.size(); i++) {
            s.append(oneALine ? "\n  " : i == 0 ? "" : " ").append(quoted.get(i));
        }
        s.append(oneALine && !quoted.isEmpty() ? "\n)\n" : ")\n");
    }

    private static void step(StringBuilder s, String name, BootStep step) {
        if (step != null) {
            s.append(step.function(name));
        }
    }

    /** {@code boot.sh} without its first line (the header brings the shebang). */
    private static String readBody() {
        try (InputStream in = BootScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing beside " + BootScript.class.getName());
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.substring(text.indexOf('\n') + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * An argument, quoted; one starting with {@value #HOME} is rendered relative to the script's
     * {@code $JCLOUD_HOME} (where {@link Builder#secretsFetcher} puts its files).
     */
    private static String homeRelative(String arg) {
        if (arg.startsWith(HOME)) {
            return "\"$JCLOUD_HOME\"/" + quote(arg.substring(HOME.length()));
        }
        return quote(arg);
    }

    /**
     * Which packages provide a JRE, per package family; the first that installs wins. The
     * default covers Amazon Linux 2023/2 (Corretto), RHEL-likes and Debian/Ubuntu.
     */
    public record JreInstall(List<String> rpmPackages, List<String> debPackages) {

        /** Java 17 on the common EC2 images. */
        public static final JreInstall JAVA_17 = new JreInstall(
                List.of("java-17-amazon-corretto-headless", "java-17-openjdk-headless"),
                List.of("openjdk-17-jre-headless"));

        public JreInstall {
            rpmPackages = List.copyOf(rpmPackages);
            debPackages = List.copyOf(debPackages);
            if (rpmPackages.isEmpty() || debPackages.isEmpty()) {
                throw new IllegalArgumentException("name at least one JRE package per package family");
            }
        }
    }

    /** Builds a {@link BootScript}. */
    public static final class Builder {
        private final EngineCommand command;
        private final EngineArtifact engine;
        private JreInstall jre = JreInstall.JAVA_17;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private BootStep joinTokenStep;
        private String joinTokenFile;
        private String nodeNameFlag;
        private List<String> nodeNames;
        private BootStep launchIndex;
        private BootStep secretsStep;
        private BootStep watcher;
        private BootStep downloadHeader;

        private Builder(EngineCommand command, EngineArtifact engine) {
            this.command = requireNonNull(command, "command is null");
            this.engine = requireNonNull(engine, "engine is null");
        }

        /** The JRE packages to install when the machine has no {@code java}. */
        public Builder jre(JreInstall jre) {
            this.jre = requireNonNull(jre, "jre is null");
            return this;
        }

        /** An environment variable the engine process sees (e.g. the cluster's name). */
        public Builder env(String name, String value) {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "environment variable name must match " + ENV_NAME + ": '" + name + "'");
            }
            if (SCRIPT_NAMES.contains(name)) {
                throw new IllegalArgumentException("the boot script sets " + name + " itself");
            }
            environment.put(name, requireNonNull(value, "value is null"));
            return this;
        }

        /** A JVM option such as {@code -Xmx2g}, passed before the main class. */
        public Builder jvmOption(String option) {
            jvmOptions.add(requireNonNull(option, "option is null"));
            return this;
        }

        /**
         * Enables worker admission with a join token: after the engine download the script runs
         * {@code step} with {@code $1} = {@value #SECRETS} (a directory only root reads), and the
         * step must write the token to {@code $1/fileName} with the machine's own identity (e.g. a
         * provider's {@link BootStep#engineMain secret-store reader}, or its cloud's CLI). The boot
         * fails if the step fails or writes nothing. The file is kept at mode 0600 and
         * {@code JCLOUD_JOIN_TOKEN_FILE} points at it, so the engine serves or joins with mutual TLS.
         * Only names appear in the script; the token is never rendered, passed as an argument or
         * logged.
         */
        public Builder joinToken(BootStep step, String fileName) {
            requireNonNull(fileName, "fileName is null");
            if (fileName.isEmpty() || fileName.contains("/") || fileName.startsWith(".")) {
                throw new IllegalArgumentException("not a plain file name: '" + fileName + "'");
            }
            this.joinTokenStep = requireNonNull(step, "step is null");
            this.joinTokenFile = fileName;
            return this;
        }

        /**
         * Makes one script boot {@code names.size()} machines started together: the machine with
         * launch index {@code i} runs with {@code flag names[i]} (and {@code JCLOUD_NODE}). The index
         * is printed by {@code launchIndex}, a provider's shell step (e.g. reading EC2's
         * {@code ami-launch-index}); it runs before the engine download.
         */
        public Builder nodeNames(String flag, List<String> names, BootStep launchIndex) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("names is empty");
            }
            this.nodeNameFlag = requireNonNull(flag, "flag is null");
            this.nodeNames = List.copyOf(names);
            this.launchIndex = beforeEngine(launchIndex, "the launch index");
            return this;
        }

        /**
         * Before the engine starts, runs {@code step} with {@code $1} = {@value #SECRETS} (mode 0700)
         * to write the cluster's secrets (TLS key and certificates) there with the machine's own
         * cloud identity (e.g. reading SSM SecureString parameters its role may read). Engine flags
         * then name those files with the {@value #SECRETS} prefix. Only names of secrets appear in
         * the script, never values.
         */
        public Builder secrets(BootStep step) {
            this.secretsStep = requireNonNull(step, "step is null");
            return this;
        }

        /**
         * A step run in the background beside the engine, e.g. polling the cloud's metadata for a
         * spot interruption notice and writing {@link #INTERRUPTION_FILE}, which the worker's
         * {@code --interruption-file} names.
         */
        public Builder watcher(BootStep step) {
            this.watcher = requireNonNull(step, "step is null");
            return this;
        }

        /**
         * Sends one HTTP request header with the engine download: {@code step} prints the header
         * line, e.g. {@code Authorization: Bearer <token>} with a token it gets at boot from the
         * machine's metadata server, so that the engine can stay in private storage the machine's
         * own identity may read. The header is computed on the machine and never appears in the
         * script; the boot fails when the step fails or prints nothing.
         */
        public Builder engineDownloadHeader(BootStep step) {
            this.downloadHeader = beforeEngine(step, "the engine download's header");
            return this;
        }

        public BootScript build() {
            return new BootScript(this);
        }

        private static BootStep beforeEngine(BootStep step, String what) {
            requireNonNull(step, "step is null");
            if (step.needsEngine()) {
                throw new IllegalArgumentException(
                        what + " is computed before the engine is downloaded: give a shell step");
            }
            return step;
        }
    }
}
