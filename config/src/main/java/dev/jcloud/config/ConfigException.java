package dev.jcloud.config;

import java.util.List;

/**
 * Settings that cannot be used. The message has one line per problem, each naming where the
 * value came from (a file, an environment variable or a flag), the key path and what is
 * accepted, e.g. {@code ./jcloud.yaml: cluster.workers must be ≥ 0 (was -3)}.
 *
 * <p>This is a user error: callers print {@link #getMessage()} without a stack trace.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    /** One exception for all {@code problems} found, in the order they were found. */
    public ConfigException(List<String> problems) {
        super(String.join("\n", requireNonEmpty(problems)));
        this.problems = List.copyOf(problems);
    }

    /** A single problem, for code outside this module that reports a bad setting the same way. */
    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Every problem found, one line each. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> requireNonEmpty(List<String> problems) {
        if (problems == null || problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems;
    }
}
