package dev.jcloud.provisioner.boot;

import static dev.jcloud.provisioner.boot.ShellQuote.quote;
import static java.util.Objects.requireNonNull;

import dev.jcloud.engine.worker.WorkerServer;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.NodeRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one renderer of the bash script that starts an engine role on a machine (EC2 user-data
 * today; the in-cluster controller and the Terraform exporter use the same renderer). The script
 *
 * <ol>
 *   <li>uses the machine's {@code java} when there is one, else installs a JRE with the OS
 *       package manager ({@code dnf}, {@code yum} or {@code apt-get}): the {@link JreInstall}
 *       seam;</li>
 *   <li>downloads the engine from {@link EngineArtifact#url()} (with a request header computed at
 *       boot, if a provider asks for one: {@link Builder#engineDownloadHeader}) and refuses to start
 *       unless its SHA-256 matches, so the machine runs exactly the engine of the client;</li>
 *   <li>runs the join-token hook (see {@link Builder#joinTokenParameter} and
 *       {@link Builder#joinTokenFetcher}), then runs {@code java ... EngineMain <engine command>}
 *       (its output is the machine's boot log: console output, {@code cloud-init-output.log});</li>
 *   <li>starts a worker again when it exited at its memory limit, at most
 *       {@value #MEMORY_RESTARTS} times (what Dask's nanny does), and otherwise powers the machine
 *       off when the engine exits, so a machine without an engine stops costing money.</li>
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
    /** Where {@link Builder#secretsFetcher} writes, as an engine argument prefix. */
    public static final String SECRETS = HOME + "secrets/";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");

    private final EngineCommand command;
    private final EngineArtifact engine;
    private final JreInstall jre;
    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private final String joinTokenParameter;
    private final String joinTokenMain;
    private final List<String> joinTokenArgs;
    private final String joinTokenFile;
    private final String nodeNameFlag;
    private final List<String> nodeNames;
    private final String launchIndexShell;
    private final String secretsMain;
    private final List<String> secretsArgs;
    private final String watcherShell;
    private final String downloadHeaderShell;

    private BootScript(Builder b) {
        this.command = requireNonNull(b.command, "command is null");
        this.engine = requireNonNull(b.engine, "engine is null");
        this.jre = b.jre;
        this.environment = Map.copyOf(b.environment);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.joinTokenParameter = b.joinTokenParameter;
        this.joinTokenMain = b.joinTokenMain;
        this.joinTokenArgs = b.joinTokenArgs;
        this.joinTokenFile = b.joinTokenFile;
        if (joinTokenParameter != null && joinTokenMain != null) {
            throw new IllegalArgumentException(
                    "give the join token one source: joinTokenParameter or joinTokenFetcher");
        }
        this.nodeNameFlag = b.nodeNameFlag;
        this.nodeNames = b.nodeNames;
        this.launchIndexShell = b.launchIndexShell;
        this.secretsMain = b.secretsMain;
        this.secretsArgs = b.secretsArgs;
        this.watcherShell = b.watcherShell;
        this.downloadHeaderShell = b.downloadHeaderShell;
        if (nodeNameFlag != null && command.option(nodeNameFlag) == null) {
            throw new IllegalArgumentException("the engine command has no " + nodeNameFlag + " to set per node");
        }
    }

    /** A builder for the script that runs {@code command} with the engine from {@code engine}. */
    public static Builder builder(EngineCommand command, EngineArtifact engine) {
        return new Builder(command, engine);
    }

    /** The join-token parameter name, if the hook is enabled. */
    public Optional<String> joinTokenParameter() {
        return Optional.ofNullable(joinTokenParameter);
    }

    /** The script, starting with {@code #!/bin/bash}. */
    public String render() {
        StringBuilder s = new StringBuilder(4096);
        s.append("#!/bin/bash\n");
        s.append("# Rendered by jcloud (dev.jcloud.provisioner.boot.BootScript): starts one engine role on this\n");
        s.append("# machine. It holds no secrets; anything secret is fetched at boot with the machine's identity.\n");
        s.append("set -euo pipefail\n");
        s.append("umask 022\n");
        s.append("JCLOUD_HOME=\"${JCLOUD_HOME:-/opt/jcloud}\"\n");
        s.append("ENGINE_URL=").append(quote(engine.url().toString())).append('\n');
        s.append("ENGINE_SHA256=").append(quote(engine.sha256())).append('\n');
        // Sorted so that the same inputs always render the same script (diffable, cacheable).
        new java.util.TreeMap<>(environment)
                .forEach((k, v) -> s.append("export ")
                        .append(k)
                        .append('=')
                        .append(quote(v))
                        .append('\n'));
        s.append("jcloud_log() { printf 'jcloud-boot: %s\\n' \"$*\" >&2; }\n\n");
        if (nodeNameFlag != null) {
            // One script boots several machines (one cloud API call); each picks its own name by
            // the index the cloud gave it, so the name, the tag and the scheduler's view agree.
            s.append("# This machine's name: the n-th of the names launched together, n from the cloud.\n");
            s.append("jcloud_launch_index() {\n")
                    .append(launchIndexShell.strip().indent(2))
                    .append("}\n");
            s.append("JCLOUD_NAMES=(");
            for (int i = 0; i < nodeNames.size(); i++) {
                s.append(i == 0 ? "" : " ").append(quote(nodeNames.get(i)));
            }
            s.append(")\n");
            s.append("JCLOUD_INDEX=\"$(jcloud_launch_index)\"\n");
            s.append(
                    "if ! [[ \"$JCLOUD_INDEX\" =~ ^[0-9]+$ ]] || [ \"$JCLOUD_INDEX\" -ge ${#JCLOUD_NAMES[@]} ]; then\n");
            s.append(
                    "  jcloud_log \"launch index '$JCLOUD_INDEX' is not one of 0..$((${#JCLOUD_NAMES[@]} - 1))\"; exit 1\n");
            s.append("fi\n");
            s.append("export JCLOUD_NODE=\"${JCLOUD_NAMES[$JCLOUD_INDEX]}\"\n\n");
        }

        s.append("# JRE seam: the machine's java if it has one, else the OS package manager's.\n");
        s.append("jcloud_java() {\n");
        s.append("  if command -v java >/dev/null 2>&1; then return 0; fi\n");
        s.append("  jcloud_log \"no java on PATH; installing a JRE\"\n");
        s.append("  if command -v dnf >/dev/null 2>&1; then\n");
        s.append("    ")
                .append(installAny("dnf install -y -q", jre.rpmPackages()))
                .append('\n');
        s.append("  elif command -v yum >/dev/null 2>&1; then\n");
        s.append("    ")
                .append(installAny("yum install -y -q", jre.rpmPackages()))
                .append('\n');
        s.append("  elif command -v apt-get >/dev/null 2>&1; then\n");
        s.append("    apt-get update -qq\n");
        s.append("    ")
                .append(installAny("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq", jre.debPackages()))
                .append('\n');
        s.append("  else\n");
        s.append("    jcloud_log \"cannot install Java: none of dnf, yum, apt-get found\"; exit 1\n");
        s.append("  fi\n");
        s.append(
                "  command -v java >/dev/null 2>&1 || { jcloud_log \"the JRE install put no java on PATH\"; exit 1; }\n");
        s.append("}\n\n");

        if (downloadHeaderShell != null) {
            // Computed at boot (e.g. a token from the machine's metadata server), never rendered here.
            s.append("# Prints the one HTTP request header the engine download needs.\n");
            s.append("jcloud_download_header() {\n")
                    .append(downloadHeaderShell.strip().indent(2))
                    .append("}\n\n");
        }
        s.append("# The engine of the client that created the cluster, checked against its SHA-256.\n");
        s.append("jcloud_fetch() {\n");
        s.append("  mkdir -p \"$JCLOUD_HOME\"\n");
        s.append("  local download=\"$JCLOUD_HOME/engine.download\"\n");
        String curlHeader = "";
        String wgetHeader = "";
        if (downloadHeaderShell != null) {
            s.append("  local header\n");
            s.append("  header=\"$(jcloud_download_header)\" && [ -n \"$header\" ] || {\n");
            s.append("    jcloud_log \"could not compute the engine download's request header\"; exit 1; }\n");
            curlHeader = " -H \"$header\"";
            wgetHeader = " --header=\"$header\"";
        }
        s.append("  if command -v curl >/dev/null 2>&1; then\n");
        s.append("    curl -fsSL --retry 5 --retry-delay 2 --connect-timeout 10")
                .append(curlHeader)
                .append(" -o \"$download\" \"$ENGINE_URL\"\n");
        s.append("  else\n");
        s.append("    wget -q --tries=5").append(wgetHeader).append(" -O \"$download\" \"$ENGINE_URL\"\n");
        s.append("  fi\n");
        s.append("  if ! printf '%s  %s\\n' \"$ENGINE_SHA256\" \"$download\" | sha256sum -c --status -; then\n");
        s.append(
                "    jcloud_log \"the downloaded engine does not have SHA-256 $ENGINE_SHA256; not starting\"; exit 1\n");
        s.append("  fi\n");
        if (engine.format() == EngineArtifact.Format.TAR_GZ) {
            s.append("  rm -rf \"$JCLOUD_HOME/engine\" && mkdir -p \"$JCLOUD_HOME/engine\"\n");
            s.append("  tar -xzf \"$download\" -C \"$JCLOUD_HOME/engine\" && rm -f \"$download\"\n");
            // In name order: the bundle numbers its JARs in class-path order, and the JVM's lib/* order is unspecified.
            s.append(
                    "  JCLOUD_CLASSPATH=$(LC_ALL=C ls -1 \"$JCLOUD_HOME\"/engine/lib/*.jar | LC_ALL=C sort | paste -sd: -)\n");
        } else {
            s.append("  mv -f \"$download\" \"$JCLOUD_HOME/engine.jar\"\n");
            s.append("  JCLOUD_CLASSPATH=\"$JCLOUD_HOME/engine.jar\"\n");
        }
        s.append("}\n\n");

        s.append("# Hook for worker admission (security issue): a join token is fetched here at boot with the\n");
        s.append("# machine's own identity (e.g. an SSM SecureString its role may read), never rendered above.\n");
        s.append("jcloud_join_token() {\n");
        if (joinTokenMain != null) {
            // A main from the engine's class path writes the token into the secrets directory (0600);
            // it prints names only, and the token reaches the engine as a file, never as an argument.
            s.append("  local file=\"$JCLOUD_HOME/secrets/\"")
                    .append(quote(joinTokenFile))
                    .append('\n');
            s.append("  (umask 077 && mkdir -p \"$JCLOUD_HOME/secrets\" && java -cp \"$JCLOUD_CLASSPATH\" ")
                    .append(quote(joinTokenMain));
            for (String a : joinTokenArgs) {
                s.append(' ').append(quote(a));
            }
            s.append(
                    " \"$JCLOUD_HOME/secrets\") || { jcloud_log \"cannot fetch the cluster's join token\"; exit 1; }\n");
            s.append(
                    "  [ -s \"$file\" ] || { jcloud_log \"the join-token fetcher wrote no token to $file\"; exit 1; }\n");
            s.append("  chmod 600 \"$file\"\n");
            s.append("  export JCLOUD_JOIN_TOKEN_FILE=\"$file\"\n");
        } else if (joinTokenParameter == null) {
            s.append("  :\n");
        } else {
            s.append("  local file=\"$JCLOUD_HOME/join-token\"\n");
            s.append("  (umask 077 && aws ssm get-parameter --with-decryption --name ")
                    .append(quote(joinTokenParameter))
                    .append(" --query Parameter.Value --output text > \"$file\")\n");
            s.append("  export JCLOUD_JOIN_TOKEN_FILE=\"$file\"\n");
        }
        s.append("}\n\n");

        s.append("# The cluster's TLS material, fetched with the machine's own identity into files only root reads.\n");
        s.append("jcloud_secrets() {\n");
        if (secretsMain == null) {
            s.append("  :\n");
        } else {
            s.append("  (umask 077 && mkdir -p \"$JCLOUD_HOME/secrets\" && java -cp \"$JCLOUD_CLASSPATH\" ")
                    .append(quote(secretsMain));
            for (String a : secretsArgs) {
                s.append(' ').append(quote(a));
            }
            s.append(
                    " \"$JCLOUD_HOME/secrets\") || { jcloud_log \"cannot fetch the cluster's TLS material\"; exit 1; }\n");
        }
        s.append("}\n\n");

        s.append("jcloud_java\njcloud_fetch\njcloud_join_token\njcloud_secrets\n");
        if (watcherShell != null) {
            // Runs beside the engine for the machine's life, e.g. watching for a spot interruption notice.
            s.append("jcloud_watch() {\n  set +e\n")
                    .append(watcherShell.strip().indent(2))
                    .append("}\n");
            s.append("jcloud_watch &\n");
        }
        s.append("jcloud_log \"starting the engine ")
                .append(command.role().label())
                .append("\"\n");
        List<String> argv = new ArrayList<>();
        argv.addAll(jvmOptions);
        // Not exec: when the engine exits (retired, idle timeout, death timeout, crash) the machine
        // powers off, and with shutdown behaviour "terminate"/"delete" stops billing. A stopped
        // engine on a running VM would bill forever.
        boolean worker = command.role() == NodeRole.WORKER;
        if (worker) {
            // The nanny of a VM: a worker past its memory limit exits with EXIT_MEMORY and is started
            // again (its results are recomputed or fetched from peers), a bounded number of times;
            // any other exit powers the machine off.
            s.append("jcloud_restarts=0\nwhile :; do\n  status=0\n  ");
        }
        s.append("java");
        for (String o : argv) {
            s.append(' ').append(quote(o));
        }
        s.append(" -cp \"$JCLOUD_CLASSPATH\" ").append(quote(MAIN_CLASS));
        List<String> args = command.arguments();
        for (int i = 0; i < args.size(); i++) {
            boolean perNode = nodeNameFlag != null && i > 0 && args.get(i - 1).equals(nodeNameFlag);
            s.append(" \\\n  ").append(perNode ? "\"$JCLOUD_NODE\"" : homeRelative(args.get(i)));
        }
        if (worker) {
            s.append(" || status=$?\n");
            s.append("  if [ \"$status\" -eq ")
                    .append(WorkerServer.EXIT_MEMORY)
                    .append(" ] && [ \"$jcloud_restarts\" -lt ")
                    .append(MEMORY_RESTARTS)
                    .append(" ]; then\n");
            s.append("    jcloud_restarts=$((jcloud_restarts + 1))\n");
            s.append("    jcloud_log \"the worker exited at its memory limit; starting it again ($jcloud_restarts of ")
                    .append(MEMORY_RESTARTS)
                    .append(")\"\n");
            s.append("    continue\n  fi\n  break\ndone\n");
        } else {
            s.append(" || true\n");
        }
        s.append("jcloud_log \"the engine exited; powering the machine off\"\n");
        s.append("\"${JCLOUD_POWEROFF:-shutdown}\" -h now\n");
        return s.toString();
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

    private static String installAny(String installer, List<String> packages) {
        // The first package that installs wins: distributions name their JREs differently.
        List<String> tries = new ArrayList<>();
        for (String p : packages) {
            tries.add(installer + " " + quote(p));
        }
        return "{ " + String.join(" || ", tries) + "; } || { jcloud_log \"could not install a JRE\"; exit 1; }";
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
        private String joinTokenParameter;
        private String joinTokenMain;
        private List<String> joinTokenArgs = List.of();
        private String joinTokenFile;
        private String nodeNameFlag;
        private List<String> nodeNames;
        private String launchIndexShell;
        private String secretsMain;
        private List<String> secretsArgs = List.of();
        private String watcherShell;
        private String downloadHeaderShell;

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
            environment.put(name, requireNonNull(value, "value is null"));
            return this;
        }

        /** A JVM option such as {@code -Xmx2g}, passed before the main class. */
        public Builder jvmOption(String option) {
            jvmOptions.add(requireNonNull(option, "option is null"));
            return this;
        }

        /**
         * Enables the join-token hook: at boot the script reads this SSM SecureString parameter
         * with the machine's own identity into a file only root can read, and points
         * {@code JCLOUD_JOIN_TOKEN_FILE} at it. The token itself never appears in the script.
         */
        public Builder joinTokenParameter(String parameterName) {
            this.joinTokenParameter = requireNonNull(parameterName, "parameterName is null");
            return this;
        }

        /**
         * Enables the join-token hook with a fetcher from the engine's class path, for clouds whose
         * secret store the machine reads through an API rather than a CLI: after the engine download
         * the script runs {@code java -cp <engine> mainClass args... <dir>} with {@code dir} =
         * {@value #SECRETS} (like {@link #secretsFetcher}), which must write the token to
         * {@code dir/fileName} with the machine's own identity; the boot fails if it fails or writes
         * nothing. The file is kept at mode 0600 and {@code JCLOUD_JOIN_TOKEN_FILE} points at it,
         * so the engine serves or joins with mutual TLS. Only names appear in the script; the token
         * is never rendered, passed as an argument or logged (the fetcher must print names only).
         * Excludes {@link #joinTokenParameter}.
         */
        public Builder joinTokenFetcher(String mainClass, List<String> args, String fileName) {
            requireNonNull(fileName, "fileName is null");
            if (fileName.isEmpty() || fileName.contains("/") || fileName.startsWith(".")) {
                throw new IllegalArgumentException("not a plain file name: '" + fileName + "'");
            }
            this.joinTokenMain = requireNonNull(mainClass, "mainClass is null");
            this.joinTokenArgs = List.copyOf(args);
            this.joinTokenFile = fileName;
            return this;
        }

        /**
         * Makes one script boot {@code names.size()} machines started together: the machine with
         * launch index {@code i} runs with {@code flag names[i]} (and {@code JCLOUD_NODE}). The index
         * is printed by {@code launchIndexShell}, a shell function body written by a provider
         * (e.g. reading EC2's {@code ami-launch-index}); it is trusted code, never a user value.
         */
        public Builder nodeNames(String flag, List<String> names, String launchIndexShell) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("names is empty");
            }
            this.nodeNameFlag = requireNonNull(flag, "flag is null");
            this.nodeNames = List.copyOf(names);
            this.launchIndexShell = requireNonNull(launchIndexShell, "launchIndexShell is null");
            return this;
        }

        /**
         * Before the engine starts, runs {@code java -cp <engine> mainClass args... <dir>} to write
         * the cluster's secrets (TLS key and certificates) into {@code dir} = {@value #SECRETS}
         * with mode 0600, using the machine's own cloud identity (e.g. reading SSM SecureString
         * parameters its role may read). Engine flags then name those files with the
         * {@value #SECRETS} prefix. Only names of secrets appear in the script, never values.
         */
        public Builder secretsFetcher(String mainClass, List<String> args) {
            this.secretsMain = requireNonNull(mainClass, "mainClass is null");
            this.secretsArgs = List.copyOf(args);
            return this;
        }

        /**
         * A shell function body run in the background beside the engine (trusted provider code,
         * never a user value), e.g. polling the cloud's metadata for a spot interruption notice and
         * writing the file the worker's {@code --interruption-file} names.
         */
        public Builder watcher(String shellBody) {
            this.watcherShell = requireNonNull(shellBody, "shellBody is null");
            return this;
        }

        /**
         * Sends one HTTP request header with the engine download: {@code shellBody} is a shell
         * function body (trusted provider code, never a user value) that prints the header line,
         * e.g. {@code Authorization: Bearer <token>} with a token it gets at boot from the machine's
         * metadata server, so that the engine can stay in private storage the machine's own
         * identity may read. The header is computed on the machine and never appears in the
         * script; the boot fails when the function fails or prints nothing.
         */
        public Builder engineDownloadHeader(String shellBody) {
            this.downloadHeaderShell = requireNonNull(shellBody, "shellBody is null");
            return this;
        }

        public BootScript build() {
            return new BootScript(this);
        }
    }
}
