package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.Settings.Adapt;
import dev.jcloud.config.Settings.Cluster;
import dev.jcloud.config.Settings.Scheduler;
import dev.jcloud.config.Settings.Security;
import dev.jcloud.config.Settings.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Loads {@link Settings} from, in increasing precedence:
 * <ol>
 *   <li>built-in defaults;</li>
 *   <li>the user file, {@code $XDG_CONFIG_HOME/jcloud/jcloud.yaml} (default
 *       {@code ~/.config/jcloud/jcloud.yaml});</li>
 *   <li>the project file, {@code ./jcloud.yaml};</li>
 *   <li>environment variables: {@code JCLOUD_} + the key path upper-cased with {@code .} and
 *       {@code -} as {@code _}, e.g. {@code JCLOUD_CLUSTER_IDLE_TIMEOUT=30m};</li>
 *   <li>command-line flags, given as key path to raw value.</li>
 * </ol>
 *
 * <p>Map settings ({@code cluster.tags}, {@code worker.resources}, {@code prices}) merge entry by
 * entry across sources; in a variable or flag they are written {@code a=1,b=2}, and a flag may
 * also set one entry, e.g. {@code cluster.tags.team}. Setting any {@code cluster.adapt.*} key
 * turns adaptive scaling on; {@code cluster.adapt: false} (or {@code null}) turns it off.
 *
 * <p>Missing files are skipped. Empty environment variables count as unset. A {@code JCLOUD_*}
 * variable that names no setting is an error, except those in {@link #RESERVED_ENV} and those
 * starting with {@link #INTERNAL_ENV_PREFIX}. Every value from every source is validated, even
 * one a later source overrides, and all problems are reported together in one
 * {@link ConfigException}.
 *
 * <p>Loaders are immutable: each {@code with…} style method returns a new loader.
 * <pre>{@code
 * Settings s = SettingsLoader.defaults()
 *         .withFlags(Map.of("cluster.workers", "8"), Map.of("cluster.workers", "--workers"))
 *         .load();
 * }</pre>
 */
public final class SettingsLoader {

    /**
     * {@code JCLOUD_*} variables that are not settings: {@code JCLOUD_HOME} (where jcloud is
     * installed), {@code JCLOUD_STATE_DIR} (see {@link StatePaths}), {@code JCLOUD_DEBUG} (show
     * stack traces) and {@code JCLOUD_OPTS} (JVM options for the launcher script).
     */
    public static final Set<String> RESERVED_ENV =
            Set.of("JCLOUD_HOME", "JCLOUD_STATE_DIR", "JCLOUD_DEBUG", "JCLOUD_OPTS");

    /** Variables with this prefix are for jcloud's own processes (e.g. boot scripts) and ignored. */
    public static final String INTERNAL_ENV_PREFIX = "JCLOUD_INTERNAL_";

    private final Path userFile;
    private final Path projectFile;
    private final Path home;
    private final Map<String, String> env;
    private final Map<String, String> flags;
    private final Map<String, String> flagNames;
    private final List<SettingsSection> sections;
    private final List<String> providers;

    private SettingsLoader(
            Path userFile,
            Path projectFile,
            Path home,
            Map<String, String> env,
            Map<String, String> flags,
            Map<String, String> flagNames,
            List<SettingsSection> sections,
            List<String> providers) {
        this.userFile = userFile;
        this.projectFile = projectFile;
        this.home = home;
        this.env = env;
        this.flags = flags;
        this.flagNames = flagNames;
        this.sections = sections;
        this.providers = providers;
    }

    /**
     * A loader for this process: its environment, the user file found through
     * {@link StatePaths#fromEnvironment()} and {@code jcloud.yaml} in the working directory.
     */
    public static SettingsLoader defaults() {
        Map<String, String> env = System.getenv();
        Path home = Path.of(System.getProperty("user.home"));
        return new SettingsLoader(
                StatePaths.of(env, home).userConfigFile(),
                Path.of("jcloud.yaml"),
                home,
                Map.copyOf(env),
                Map.of(),
                Map.of(),
                List.of(),
                List.of());
    }

    /**
     * A loader that reads nothing but the defaults until told otherwise: no files, an empty
     * environment, no flags. For tests and for programs that embed jcloud.
     */
    public static SettingsLoader builder() {
        return new SettingsLoader(
                null,
                null,
                Path.of(System.getProperty("user.home")),
                Map.of(),
                Map.of(),
                Map.of(),
                List.of(),
                List.of());
    }

    /** Read the user file from {@code file} (skipped if missing); null for none. */
    public SettingsLoader userFile(Path file) {
        return new SettingsLoader(file, projectFile, home, env, flags, flagNames, sections, providers);
    }

    /** Read the project file from {@code file} (skipped if missing); null for none. */
    public SettingsLoader projectFile(Path file) {
        return new SettingsLoader(userFile, file, home, env, flags, flagNames, sections, providers);
    }

    /** Use {@code env} as the environment; only its {@code JCLOUD_*} entries are read. */
    public SettingsLoader env(Map<String, String> env) {
        return new SettingsLoader(
                userFile,
                projectFile,
                home,
                Map.copyOf(requireNonNull(env, "env is null")),
                flags,
                flagNames,
                sections,
                providers);
    }

    /** The home directory, shown as {@code ~} in file names; null to show full paths. */
    public SettingsLoader home(Path home) {
        return new SettingsLoader(userFile, projectFile, home, env, flags, flagNames, sections, providers);
    }

    /**
     * Command-line flags, the highest-precedence source.
     *
     * @param values key path (e.g. {@code cluster.workers}) to the raw value as typed
     * @param names  key path to the flag's name (e.g. {@code --workers}), used in messages and
     *               sources; paths without a name are shown as themselves
     */
    public SettingsLoader withFlags(Map<String, String> values, Map<String, String> names) {
        return new SettingsLoader(
                userFile,
                projectFile,
                home,
                env,
                Map.copyOf(requireNonNull(values, "values is null")),
                Map.copyOf(requireNonNull(names, "names is null")),
                sections,
                providers);
    }

    /**
     * The sections plugins contribute (a provider's {@code aws.*} keys, say), added to the
     * built-in ones. A section given twice (two providers of one module sharing it) counts once.
     */
    public SettingsLoader withSections(Collection<SettingsSection> contributed) {
        return new SettingsLoader(
                userFile,
                projectFile,
                home,
                env,
                flags,
                flagNames,
                List.copyOf(new ArrayList<>(contributed)),
                providers);
    }

    /**
     * The provider names {@code cluster.provider} and the {@code prices} keys accept: those in
     * this build. Without it any well-formed name is accepted here and checked where providers
     * are loaded.
     */
    public SettingsLoader withProviders(Collection<String> names) {
        return new SettingsLoader(
                userFile, projectFile, home, env, flags, flagNames, sections, List.copyOf(new ArrayList<>(names)));
    }

    /**
     * Reads every source and returns the validated settings.
     *
     * @throws ConfigException listing every problem found, one per line
     */
    public Settings load() {
        Problems problems = new Problems();
        Schema schema = Schema.of(sections, providers);
        Resolution resolution = new Resolution(schema);
        if (userFile != null) {
            YamlSource.read(userFile, Source.file(userFile, home), schema, layer(resolution, problems), problems);
        }
        if (projectFile != null && !sameFile(userFile, projectFile)) {
            YamlSource.read(projectFile, Source.file(projectFile, home), schema, layer(resolution, problems), problems);
        }
        TextSources.environment(env, RESERVED_ENV, INTERNAL_ENV_PREFIX, schema, layer(resolution, problems), problems);
        TextSources.flags(flags, flagNames, schema, layer(resolution, problems), problems);

        Settings settings = assemble(resolution, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.lines());
        }
        return settings;
    }

    /**
     * Applies one source's assignments as they are read. Setting {@code cluster.adapt.max} alone
     * means "adapt", unless the same source set {@code cluster.adapt} itself; every source hands
     * a switch over before the keys it holds, so "before" is enough to know.
     */
    private static Consumer<Assignment> layer(Resolution resolution, Problems problems) {
        Set<String> switched = new HashSet<>();
        return a -> {
            Key key = resolution.schema().key(a.path());
            if (key != null && key.kind == Key.Kind.SWITCH) {
                switched.add(key.path);
            }
            Key toggle = resolution.schema().switchFor(a.path());
            if (toggle != null && switched.add(toggle.path)) {
                resolution.apply(new Assignment(toggle.path, null, "true", a.source()), problems);
            }
            resolution.apply(a, problems);
        };
    }

    private static Settings assemble(Resolution r, Problems problems) {
        Optional<Adapt> adapt = Optional.empty();
        if (r.<Boolean>value("cluster.adapt")) {
            int min = r.value("cluster.adapt.min");
            int max = r.value("cluster.adapt.max");
            if (min > max) {
                problems.add(
                        where(r, "cluster.adapt.min", "cluster.adapt.max"),
                        "cluster.adapt.min",
                        new Invalid("must be ≤ cluster.adapt.max", min + " > " + max),
                        false);
            }
            adapt = Optional.of(
                    new Adapt(min, max, r.value("cluster.adapt.target-duration"), r.value("cluster.adapt.goal")));
        }
        Cluster cluster = new Cluster(
                r.value("cluster.name"),
                r.value("cluster.provider"),
                r.value("cluster.workers"),
                r.value("cluster.idle-timeout"),
                r.value("cluster.no-client-timeout"),
                r.value("cluster.death-timeout"),
                r.value("cluster.wait-timeout"),
                r.mapValue("cluster.tags"),
                adapt);

        Worker worker = new Worker(
                r.value("worker.nthreads"),
                r.value("worker.memory-limit"),
                r.mapValue("worker.resources"),
                r.value("worker.spill-fraction"),
                r.value("worker.pause-fraction"),
                r.value("worker.terminate-fraction"));
        checkOrder(r, "worker.spill-fraction", "worker.pause-fraction", problems);
        checkOrder(r, "worker.pause-fraction", "worker.terminate-fraction", problems);

        for (SettingsSection.Rule rule : r.schema().rules) {
            rule.check(path -> r.get(path).value())
                    .ifPresent(v -> problems.add(
                            where(r, v.involved().toArray(String[]::new)),
                            v.key(),
                            new Invalid(v.requirement(), v.was()),
                            r.schema().isSecret(v.key())));
        }

        return new Settings(
                cluster,
                new Scheduler(r.value("scheduler.port"), r.value("scheduler.dashboard-port")),
                worker,
                new Security(r.value("security.tls")),
                r.mapValue("prices"),
                r);
    }

    private static void checkOrder(Resolution r, String lower, String upper, Problems problems) {
        double low = r.value(lower);
        double high = r.value(upper);
        if (low > high) {
            problems.add(
                    where(r, lower, upper),
                    lower,
                    new Invalid("must be ≤ " + upper, Parsers.plain(low) + " > " + Parsers.plain(high)),
                    false);
        }
    }

    /** The sources that set any of {@code paths}, for errors about how values combine. */
    private static String where(Resolution r, String... paths) {
        Set<String> wheres = new LinkedHashSet<>();
        for (String path : paths) {
            Source source = r.get(path).source();
            if (source != Source.DEFAULT) {
                wheres.add(source.where());
            }
        }
        return wheres.isEmpty() ? Source.DEFAULT.where() : String.join(", ", wheres);
    }

    private static boolean sameFile(Path a, Path b) {
        if (a == null) {
            return false;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
