package dev.jcloud.provisioner.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.elastic.AdaptGoal;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the in-cluster controller needs to know about its cluster, handed to the scheduler as
 * {@code --cluster-spec} JSON at launch. Nothing in it is secret: it is readable wherever the
 * scheduler's command line is (user-data, task definitions, process lists).
 *
 * @param kind                  always {@value #KIND}; other specs are not for this controller
 * @param name                  the cluster's name
 * @param id                    the cluster's id (its tag)
 * @param provider              the provider that created it
 * @param workDir               a directory for the provider's local files where the scheduler runs
 * @param options               the provider options the cluster was created with
 * @param nthreads              threads per worker
 * @param memoryLimit           memory per worker ({@code 4GiB}) or null
 * @param deathTimeout          the workers' death timeout ({@code 60s})
 * @param adapt                 adaptive scaling bounds, or null for a fixed size (idle teardown only)
 * @param bootDelaySeconds      expected seconds from launch until a worker registers
 * @param billingMinimumSeconds billed minimum per worker start
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterSpec(
        String kind,
        String name,
        String id,
        String provider,
        String workDir,
        Map<String, String> options,
        int nthreads,
        String memoryLimit,
        String deathTimeout,
        Adapt adapt,
        double bootDelaySeconds,
        long billingMinimumSeconds) {

    public static final String KIND = "jcloud-cluster/v1";

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ClusterSpec {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /**
     * Adaptive scaling bounds and goal (cost, balanced or latency; absent in older specs: cost).
     * {@code max} is a hard limit: the controller never asks for more, and providers refuse to
     * create more.
     */
    public record Adapt(int min, int max, double targetDurationSeconds, String goal) {

        /** Bounds with the cost goal. */
        public Adapt(int min, int max, double targetDurationSeconds) {
            this(min, max, targetDurationSeconds, AdaptGoal.COST.id());
        }

        public Adapt {
            goal = goal == null
                    ? AdaptGoal.COST.id()
                    : AdaptGoal.parse(goal, "adapt goal").id();
            if (min < 0 || max < min || max < 1) {
                throw new IllegalArgumentException(
                        "adapt needs 0 <= min <= max and max >= 1 (was " + min + ":" + max + ")");
            }
            if (!(targetDurationSeconds > 0)) {
                throw new IllegalArgumentException("target duration must be > 0 s (was " + targetDurationSeconds + ")");
            }
        }
    }

    /** The context the provider works on. */
    public ClusterContext context() {
        Path dir = workDir == null || workDir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "jcloud-" + name)
                : Path.of(workDir);
        return new ClusterContext(name, id, dir, options);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spec in {@code json}, or null when it is not a jcloud cluster spec. */
    public static ClusterSpec parse(String json) {
        try {
            ClusterSpec spec = JSON.readValue(json, ClusterSpec.class);
            return KIND.equals(spec.kind()) ? spec : null;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--cluster-spec is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
