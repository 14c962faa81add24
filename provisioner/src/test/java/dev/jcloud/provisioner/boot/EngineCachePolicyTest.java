package dev.jcloud.provisioner.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared engine-cache rule, against an in-memory store on a fixed clock. */
class EngineCachePolicyTest {

    private static final Instant NOW = Instant.parse("2024-06-01T12:00:00Z");
    private final EngineCachePolicy policy = new EngineCachePolicy(
            Clock.fixed(NOW, ZoneOffset.UTC), EngineCachePolicy.KEEP_UNUSED, EngineCachePolicy.REFRESH_AFTER);

    @Test
    void removesOnlyVersionsOlderThanThirtyDaysThatNoMachineCarriesAndNeverTheCurrentOne() {
        InMemoryStore store = new InMemoryStore();
        store.put("old-unused", NOW.minus(Duration.ofDays(31)));
        store.put("old-running", NOW.minus(Duration.ofDays(400)));
        store.put("old-current", NOW.minus(Duration.ofDays(45)));
        store.put("young-unused", NOW.minus(Duration.ofDays(29)));
        store.put("exactly-thirty-days", NOW.minus(EngineCachePolicy.KEEP_UNUSED));
        store.running.add("old-running");

        assertThat(policy.sweep(store, "old-current")).containsExactly("old-unused");

        assertThat(store.versions.keySet())
                .containsExactlyInAnyOrder("old-running", "old-current", "young-unused", "exactly-thirty-days");
        assertThat(store.deleted).containsExactly("old-unused");
    }

    @Test
    void asksWhichMachinesRunWhatOnlyWhenSomethingIsOldEnoughToGo() {
        InMemoryStore store = new InMemoryStore();
        store.put("young", NOW.minus(Duration.ofDays(2)));
        assertThat(policy.sweep(store, "young")).isEmpty();
        assertThat(store.inUseCalls).isZero();
    }

    @Test
    void aReusedVersionIsDatedAnewOnlyWhenOlderThanADaySoAConcurrentSweepKeepsIt() {
        InMemoryStore store = new InMemoryStore();
        store.put("fresh", NOW.minus(Duration.ofHours(23)));
        store.put("stale", NOW.minus(Duration.ofDays(40)));

        assertThat(policy.reused(store, "fresh", store.versions.get("fresh"))).isFalse();
        assertThat(policy.reused(store, "stale", store.versions.get("stale"))).isTrue();

        assertThat(store.touched).containsExactly("stale");
        assertThat(store.versions.get("stale")).isEqualTo(NOW);
        // Another up that sweeps now (its own version elsewhere, no machine on "stale" yet) keeps it.
        assertThat(policy.sweep(store, "other")).isEmpty();
        assertThat(store.versions).containsKey("stale");
    }

    @Test
    void aFailingStoreNeverFailsTheUpAndKeepsWhatItRemovedSoFar() {
        InMemoryStore store = new InMemoryStore();
        store.put("a", NOW.minus(Duration.ofDays(50)));
        store.put("b", NOW.minus(Duration.ofDays(50)));
        store.failDeleteOf = "b";
        assertThat(policy.sweep(store, "c")).containsExactly("a");

        InMemoryStore unlistable = new InMemoryStore() {
            @Override
            public Map<String, Instant> versions() {
                throw new IllegalStateException("403 Forbidden");
            }
        };
        assertThat(policy.sweep(unlistable, "c")).isEmpty();
    }

    @Test
    void refusesDurationsThatWouldLetAReusedVersionBeSwept() {
        assertThatThrownBy(() -> new EngineCachePolicy(Clock.systemUTC(), Duration.ofHours(1), Duration.ofDays(1)))
                .hasMessageContaining("keepUnused");
    }

    /** An object store in memory: versions with their dates, which versions machines carry, and what was done. */
    static class InMemoryStore implements EngineCachePolicy.Store {
        final Map<String, Instant> versions = new LinkedHashMap<>();
        final Set<String> running = new HashSet<>();
        final List<String> deleted = new ArrayList<>();
        final List<String> touched = new ArrayList<>();
        int inUseCalls;
        String failDeleteOf;

        void put(String sha, Instant dated) {
            versions.put(sha, dated);
        }

        @Override
        public String describe() {
            return "mem://engines";
        }

        @Override
        public Map<String, Instant> versions() {
            return Map.copyOf(versions);
        }

        @Override
        public Set<String> inUse() {
            inUseCalls++;
            return Set.copyOf(running);
        }

        @Override
        public void delete(String sha256) {
            if (sha256.equals(failDeleteOf)) {
                throw new IllegalStateException("503 Slow Down");
            }
            versions.remove(sha256);
            deleted.add(sha256);
        }

        @Override
        public void touch(String sha256) {
            versions.put(sha256, NOW);
            touched.add(sha256);
        }
    }
}
