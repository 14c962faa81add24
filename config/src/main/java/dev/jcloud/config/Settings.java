package dev.jcloud.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective jcloud settings: built-in defaults overridden by the user file, the project file,
 * {@code JCLOUD_*} environment variables and command-line flags, in that order. Obtain one from
 * {@link SettingsLoader}; every value has already been validated.
 *
 * <p>Durations where zero means "no limit" ({@code idle-timeout}, {@code no-client-timeout},
 * {@code death-timeout}, {@code wait-timeout}) are {@link Duration#ZERO} when off.
 *
 * <p>Instances are immutable. {@link #equals} compares values only, not where they came from.
 */
public final class Settings {

    private final Cluster cluster;
    private final Scheduler scheduler;
    private final Worker worker;
    private final Security security;
    private final Map<String, Double> prices;
    private final Resolution resolution;

    Settings(
            Cluster cluster,
            Scheduler scheduler,
            Worker worker,
            Security security,
            Map<String, Double> prices,
            Resolution resolution) {
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.worker = requireNonNull(worker, "worker is null");
        this.security = requireNonNull(security, "security is null");
        this.prices = ordered(prices);
        this.resolution = requireNonNull(resolution, "resolution is null");
    }

    /** The built-in defaults alone: no files, no environment, no flags. */
    public static Settings defaults() {
        return SettingsLoader.builder().load();
    }

    public Cluster cluster() {
        return cluster;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public Worker worker() {
        return worker;
    }

    public Security security() {
        return security;
    }

    /**
     * The value of a contributed key (see {@link SettingsSection}) as its parser made it, or
     * its default.
     *
     * @throws IllegalArgumentException when no section declares {@code key}
     */
    @SuppressWarnings("unchecked")
    public <T> T value(SettingKey<T> key) {
        return (T) resolution.get(key.path()).value();
    }

    /**
     * Every key of {@code section} that has a value, as text in the form the key's parser
     * accepts back (see {@link SettingKey#read}): how a provider's settings travel with a
     * cluster. Keys unset by default and not set are left out.
     */
    public Map<String, String> sectionOptions(String section) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key key : resolution.schema().keys) {
            if (key.kind == Key.Kind.VALUE && key.path.startsWith(section + ".")) {
                Object scalar = key.toYaml.apply(resolution.get(key.path).value());
                if (scalar != null) {
                    out.put(key.path, key.display(resolution.get(key.path).value()));
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Price overrides in USD per hour, keyed {@code <provider>/<region>/<type>}, e.g.
     * {@code aws/us-east-1/m6i.large}; empty unless the user set some.
     */
    public Map<String, Double> prices() {
        return prices;
    }

    /**
     * Every effective setting with its display value and source, in schema order; map settings
     * are listed entry by entry ({@code cluster.tags.team}), or as {@code {}} when empty. Secrets
     * are shown as {@value Redactor#MASK}.
     */
    public List<SettingValue> explain() {
        return SettingsPrinter.explain(resolution);
    }

    /** The effective settings as a YAML document the loader accepts back; secrets redacted. */
    public String toYaml() {
        return SettingsPrinter.toYaml(resolution);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Settings s && resolution.valuesOnly().equals(s.resolution.valuesOnly());
    }

    @Override
    public int hashCode() {
        return resolution.valuesOnly().hashCode();
    }

    @Override
    public String toString() {
        Map<String, Object> shown = new LinkedHashMap<>(resolution.valuesOnly());
        shown.replaceAll((path, v) -> resolution.schema().isSecret(path) ? Redactor.MASK : v);
        return "Settings" + shown;
    }

    // Copies keep the user's order, which Map.copyOf would lose.
    private static <V> Map<String, V> ordered(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(map, "map is null")));
    }

    /** The {@code security.tls} setting: {@code auto}, {@code true} or {@code false}. */
    public enum TlsMode {
        /** On for providers whose machines are reached over a network, off for this machine. */
        AUTO,
        ON,
        OFF
    }

    /**
     * The {@code cluster} section.
     *
     * @param name            the cluster's name, used in cloud tags and resource names; empty when
     *                        jcloud should generate one
     * @param workers         how many workers {@code cluster up} starts
     * @param idleTimeout     tear the whole cluster down after this long without work; zero = never
     * @param noClientTimeout tear down after this long without a connected client; zero = never
     * @param deathTimeout    workers exit after losing the scheduler for this long; zero = never
     * @param waitTimeout     how long {@code cluster up} waits for all workers; zero = no limit
     * @param tags            user tags added to every cloud resource, in the order written
     * @param adapt           adaptive scaling bounds, present when adaptive scaling is on
     */
    public record Cluster(
            Optional<String> name,
            String provider,
            int workers,
            Duration idleTimeout,
            Duration noClientTimeout,
            Duration deathTimeout,
            Duration waitTimeout,
            Map<String, String> tags,
            Optional<Adapt> adapt) {

        public Cluster {
            requireNonNull(name, "name is null");
            requireNonNull(provider, "provider is null");
            requireNonNull(idleTimeout, "idleTimeout is null");
            requireNonNull(noClientTimeout, "noClientTimeout is null");
            requireNonNull(deathTimeout, "deathTimeout is null");
            requireNonNull(waitTimeout, "waitTimeout is null");
            tags = ordered(tags);
            requireNonNull(adapt, "adapt is null");
        }
    }

    /**
     * The {@code cluster.adapt} section: scale between {@code min} and {@code max} workers so
     * that queued work would finish in about {@code targetDuration}; {@code goal} (cost,
     * balanced or latency) says what to favour when cost and waiting pull apart.
     */
    public record Adapt(int min, int max, Duration targetDuration, String goal) {

        /** The cost goal. */
        public Adapt(int min, int max, Duration targetDuration) {
            this(min, max, targetDuration, "cost");
        }

        public Adapt {
            requireNonNull(targetDuration, "targetDuration is null");
            requireNonNull(goal, "goal is null");
        }
    }

    /**
     * The {@code scheduler} section.
     *
     * @param port          the port workers and clients connect to; 0 = any free port
     * @param dashboardPort the dashboard's port; 0 = any free port, -1 = no dashboard
     */
    public record Scheduler(int port, int dashboardPort) {

        /** Whether the scheduler serves its dashboard. */
        public boolean dashboardEnabled() {
            return dashboardPort >= 0;
        }
    }

    /**
     * The {@code worker} section.
     *
     * @param nthreads          task threads per worker; 0 = one per core
     * @param memoryLimit       memory a worker may use; empty = {@code auto} (sized from the machine)
     * @param resources         abstract resources a worker offers, e.g. {@code GPU -> 1.0}
     * @param spillFraction     spill results to disk above this fraction of the memory limit
     * @param pauseFraction     stop starting tasks above this fraction
     * @param terminateFraction restart the worker above this fraction
     */
    public record Worker(
            int nthreads,
            Optional<ByteSize> memoryLimit,
            Map<String, Double> resources,
            double spillFraction,
            double pauseFraction,
            double terminateFraction) {

        public Worker {
            requireNonNull(memoryLimit, "memoryLimit is null");
            resources = ordered(resources);
        }
    }

    /** The {@code security} section. */
    public record Security(TlsMode tls) {

        public Security {
            requireNonNull(tls, "tls is null");
        }

        /**
         * Whether TLS is on for a cluster whose provider wants it by default (one whose
         * machines are reached over a network) or not (processes on this machine).
         */
        public boolean tlsEnabledFor(boolean remoteByDefault) {
            return switch (tls) {
                case ON -> true;
                case OFF -> false;
                case AUTO -> remoteByDefault;
            };
        }
    }
}
