package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code jcloud cluster up --dry-run} shows: the steps {@code up} would take, in order, each
 * with the resource it reads or makes and the cloud API calls it would make. Made from the
 * cluster's options alone ({@link CloudProvider#plan}): building a plan calls no cloud and writes
 * no file.
 *
 * @param provider the provider's name
 * @param cluster  the cluster's name
 * @param id       the cluster id this plan was made with; {@code up} draws a new one
 * @param steps    in the order {@code up} takes them
 */
public record UpPlan(String provider, String cluster, String id, List<Step> steps) {

    public UpPlan {
        requireNonNull(provider, "provider is null");
        requireNonNull(cluster, "cluster is null");
        requireNonNull(id, "id is null");
        steps = List.copyOf(steps);
    }

    /**
     * One step.
     *
     * @param action   {@code check}, {@code create}, {@code upload}, {@code store} or {@code launch}
     * @param resource what is read or made, with its name where it has one
     * @param calls    the API calls (or, locally, the processes) it takes
     * @param detail   what matters about it (rules, tags, sizes), or empty
     */
    public record Step(String action, String resource, String calls, String detail) {
        public Step {
            requireNonNull(action, "action is null");
            requireNonNull(resource, "resource is null");
            requireNonNull(calls, "calls is null");
            requireNonNull(detail, "detail is null");
        }
    }

    /** Collects steps in order; what providers' {@link CloudProvider#plan} implementations use. */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        public Builder check(String resource, String calls, String detail) {
            return add("check", resource, calls, detail);
        }

        public Builder create(String resource, String calls, String detail) {
            return add("create", resource, calls, detail);
        }

        public Builder upload(String resource, String calls, String detail) {
            return add("upload", resource, calls, detail);
        }

        public Builder store(String resource, String calls, String detail) {
            return add("store", resource, calls, detail);
        }

        public Builder launch(String resource, String calls, String detail) {
            return add("launch", resource, calls, detail);
        }

        public Builder add(String action, String resource, String calls, String detail) {
            steps.add(new Step(action, resource, calls, detail));
            return this;
        }

        public List<Step> steps() {
            return List.copyOf(steps);
        }
    }
}
