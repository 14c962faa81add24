package dev.jcloud.provisioner.boot;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a provider's engine cache (the bucket or container its {@code up} uploads engine versions
 * to) keeps or removes a version; one rule for every provider, over the small {@link Store} each
 * provider implements for its object store.
 *
 * <ul>
 *   <li>A version stays while any machine carries it ({@link Store#inUse}): workers started later,
 *       by {@code scale} or the in-cluster controller, download the scheduler's version, so a cluster
 *       that runs for months must still find it. An age-based expiry would take it from under them.
 *   <li>A version no machine carries is removed by the next {@code up} ({@link #sweep}) once it is
 *       older than {@link #KEEP_UNUSED}, so the cache does not grow for ever yet the next {@code up}
 *       of the same build soon after reuses it.
 *   <li>An {@code up} that reuses a version older than {@link #REFRESH_AFTER} dates it anew
 *       ({@link #reused}, {@link Store#touch}) before its machines carry it, so a concurrent
 *       {@code up}'s sweep cannot delete it in between.
 * </ul>
 *
 * <p>The sweep is housekeeping: a failure is logged and never fails the {@code up}; the next one
 * tries again.
 */
public final class EngineCachePolicy {

    /** How long an engine version no machine uses is kept for the next {@code up} of the same build. */
    public static final Duration KEEP_UNUSED = Duration.ofDays(30);
    /** A version reused this long after it was last dated is dated anew. */
    public static final Duration REFRESH_AFTER = Duration.ofDays(1);

    private static final Logger LOG = LoggerFactory.getLogger(EngineCachePolicy.class);

    /**
     * A provider's engine cache as the policy sees it: versions by SHA-256. Objects of the store that
     * are not engine versions are the implementation's to skip; the policy never sees them.
     */
    public interface Store {

        /** Where the cache lives, for messages (e.g. {@code s3://bucket}). */
        String describe();

        /** The engine versions in the cache (SHA-256) with when each was written or last dated. */
        Map<String, Instant> versions();

        /**
         * The versions machines carry: every machine the cache serves (the account's region, the
         * project...) in any state from which it may start again and boot another engine.
         */
        Set<String> inUse();

        /** Removes a version; removing one that is already gone is not an error. */
        void delete(String sha256);

        /** Dates a version anew (now), keeping its bytes. */
        void touch(String sha256);
    }

    private final Clock clock;
    private final Duration keepUnused;
    private final Duration refreshAfter;

    /** The policy every provider uses: {@link #KEEP_UNUSED}, {@link #REFRESH_AFTER}, the system clock. */
    public static EngineCachePolicy standard() {
        return new EngineCachePolicy(Clock.systemUTC(), KEEP_UNUSED, REFRESH_AFTER);
    }

    /** A policy with its own clock and durations (tests). */
    public EngineCachePolicy(Clock clock, Duration keepUnused, Duration refreshAfter) {
        this.clock = requireNonNull(clock, "clock is null");
        this.keepUnused = requireNonNull(keepUnused, "keepUnused is null");
        this.refreshAfter = requireNonNull(refreshAfter, "refreshAfter is null");
        if (keepUnused.compareTo(refreshAfter) <= 0) {
            throw new IllegalArgumentException("keepUnused (" + keepUnused + ") must be longer than refreshAfter ("
                    + refreshAfter + "), or a reused version could be swept before it is dated anew");
        }
    }

    /**
     * Called when an {@code up} reuses version {@code sha256}, written or last dated at
     * {@code dated}, instead of uploading it: dates it anew when it is older than
     * {@link #REFRESH_AFTER}. Returns whether it did.
     */
    public boolean reused(Store store, String sha256, Instant dated) {
        if (dated.isAfter(clock.instant().minus(refreshAfter))) {
            return false;
        }
        store.touch(sha256);
        return true;
    }

    /**
     * Removes the versions older than {@link #KEEP_UNUSED} that no machine carries, never
     * {@code current} (the version this {@code up} is about to run). Returns the removed versions;
     * on a failure of the store, logs it and returns what was removed until then.
     */
    public List<String> sweep(Store store, String current) {
        List<String> deleted = new ArrayList<>();
        try {
            Instant cutoff = clock.instant().minus(keepUnused);
            Map<String, Instant> old = new TreeMap<>();
            store.versions().forEach((sha, dated) -> {
                if (dated.isBefore(cutoff) && !sha.equals(current)) {
                    old.put(sha, dated);
                }
            });
            if (old.isEmpty()) {
                return deleted; // no need to ask which machines run what
            }
            Set<String> inUse = new HashSet<>(store.inUse());
            for (String sha : old.keySet()) {
                if (!inUse.contains(sha)) {
                    store.delete(sha);
                    deleted.add(sha);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not remove unused engine versions from {} ({}); the next up tries again",
                    store.describe(),
                    e.toString());
        }
        if (!deleted.isEmpty()) {
            LOG.info(
                    "removed {} engine version(s) no machine uses from {}: {}",
                    deleted.size(),
                    store.describe(),
                    deleted);
        }
        return deleted;
    }
}
