package dev.jcloud.engine.internal.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class RecentLogsTest {

    @Test
    void keepsTheNewestLinesWithinItsLineAndCharacterBounds() {
        RecentLogs ring = new RecentLogs(100, 10_000);
        for (int i = 0; i < 250; i++) {
            ring.add("line " + i);
        }
        assertThat(ring.lines(0)).hasSize(100).startsWith("line 150").endsWith("line 249");
        assertThat(ring.lines(3)).containsExactly("line 247", "line 248", "line 249");
        assertThat(ring.dropped()).isEqualTo(150);

        for (int i = 0; i < 5; i++) {
            ring.add("x".repeat(4000));
        }
        assertThat(ring.lines(0).stream().mapToInt(String::length).sum()).isLessThanOrEqualTo(10_000);
        assertThat(ring.lines(1).get(0)).hasSize(4000);
    }

    @Test
    void cutsAHugeLine() {
        RecentLogs ring = new RecentLogs(10, 1 << 20);
        ring.add("y".repeat(RecentLogs.MAX_LINE_CHARS + 500));
        assertThat(ring.lines(0).get(0)).startsWith("yyy").endsWith("(500 more characters)");
    }

    @Test
    void formatsAnEventAsTheProcessLogDoesWithItsStackTrace() {
        String line = ProcessLoggers.format(
                System.currentTimeMillis(),
                Level.WARN,
                "dev.jcloud.engine.scheduler.SchedulerCore",
                "worker w1 left",
                new IllegalStateException("boom"));
        assertThat(line)
                .matches("(?s)\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z WARN  SchedulerCore - worker w1 left\n"
                        + "java.lang.IllegalStateException: boom\n.*");
    }

    @Test
    void installedOnceItKeepsWhatPassesTheRootLevel() {
        RecentLogs.install();
        RecentLogs.install();
        org.slf4j.Logger log = LoggerFactory.getLogger(RecentLogsTest.class);
        log.warn("recent-logs-test marker");
        List<String> lines = RecentLogs.global().lines(50);
        assertThat(lines.stream().filter(l -> l.contains("recent-logs-test marker")))
                .hasSize(1);
    }
}
