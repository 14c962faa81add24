package dev.jcloud.engine.internal.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class ProcessLoggersTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final ProcessLoggers loggers = new ProcessLoggers(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLibraryPrefixIsQuieterThanTheRoot() {
        loggers.configure("INFO", Map.of("io.grpc", "WARN"));
        loggers.getLogger("io.grpc.netty.NettyClientHandler").info("chatter");
        loggers.getLogger("io.grpc.netty.NettyClientHandler").warn("trouble");
        loggers.getLogger("io.grpcx.Other").info("not under io.grpc");
        loggers.getLogger("dev.jcloud.engine.scheduler.SchedulerCore").info("scheduler at {}", "127.0.0.1:1");
        loggers.getLogger("dev.jcloud.engine.scheduler.SchedulerCore").debug("below the root");

        assertThat(printed().lines())
                .hasSize(3)
                .anyMatch(l -> l.endsWith("WARN  NettyClientHandler - trouble"))
                .anyMatch(l -> l.endsWith("INFO  Other - not under io.grpc"))
                .anyMatch(l -> l.endsWith("INFO  SchedulerCore - scheduler at 127.0.0.1:1"));
    }

    @Test
    void loggersMadeBeforeAReconfigurationTakeTheNewLevels() {
        Logger log = loggers.getLogger("dev.jcloud.cli.Main");
        loggers.configure("WARN", Map.of());
        log.info("hidden");
        assertThat(log.isInfoEnabled()).isFalse();
        loggers.configure("debug", Map.of());
        log.debug("shown");
        assertThat(printed()).doesNotContain("hidden").contains("DEBUG Main - shown");
        loggers.configure("OFF", Map.of());
        log.error("off");
        assertThat(printed()).doesNotContain("off");
    }

    @Test
    void aTrailingExceptionBeyondThePlaceholdersIsPrintedWithItsTrace() {
        loggers.configure("INFO", Map.of());
        loggers.getLogger("x.Y").warn("task {} failed", 7, new IllegalStateException("boom"));

        assertThat(printed()).contains("WARN  Y - task 7 failed\njava.lang.IllegalStateException: boom\n\tat ");
    }

    @Test
    void printedLinesGoToTheRecentLogsOnceInstalled() {
        loggers.configure("INFO", Map.of());
        RecentLogs ring = new RecentLogs(10, 10_000);
        loggers.getLogger("a.B").info("before");
        loggers.keepRecent(ring);
        loggers.getLogger("a.B").info("after");
        loggers.getLogger("a.B").debug("below the level");
        assertThat(ring.lines(0)).singleElement().asString().endsWith("INFO  B - after");
    }
}
