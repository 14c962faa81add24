package dev.jcloud.providers.local;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** Checks and clean-up of engine processes started by tests. */
final class ProcessAssertions {

    private ProcessAssertions() {}

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static List<Long> alive(Collection<Long> pids) {
        return pids.stream().filter(ProcessAssertions::alive).toList();
    }

    /** Kills whatever is left of {@code pids} (test clean-up; never fails). */
    static void killAll(Collection<Long> pids) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> alive(pids).isEmpty());
        } catch (RuntimeException e) {
            // reported by the test's own assertions
        }
    }
}
