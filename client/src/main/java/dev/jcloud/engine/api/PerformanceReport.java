package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.report.PerformanceHtml;
import dev.jcloud.engine.internal.report.PerformanceRecorder;
import dev.jcloud.engine.internal.report.ReportData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A performance report being recorded; {@link #close()} writes it. Made by
 * {@link Client#performanceReport(Path)} around a block of work:
 *
 * <pre>{@code
 * try (PerformanceReport report = client.performanceReport(Path.of("report.html"))) {
 *     client.gather(client.map(Job::run, inputs));
 * }
 * }</pre>
 *
 * <p>The file is one self-contained HTML page (no script, no external URL) with the block's task
 * stream per worker thread (transfers and spills marked), durations per kind of task, transfers
 * per worker and each worker's memory over time. It covers the whole cluster while the block ran,
 * other clients' tasks included. Counts and totals are exact; bars and percentiles come from the
 * scheduler's sampled task stream, as the report says.
 */
public final class PerformanceReport implements AutoCloseable {

    private final Path file;
    private final PerformanceRecorder recorder;
    private final String schedulerAddress;
    private final String engineVersion;
    private boolean closed;

    PerformanceReport(Path file, PerformanceRecorder recorder, String schedulerAddress, String engineVersion) {
        this.file = file;
        this.recorder = recorder;
        this.schedulerAddress = schedulerAddress;
        this.engineVersion = engineVersion;
    }

    /** Where the report is written. */
    public Path file() {
        return file;
    }

    /**
     * Stops recording and writes the file (replacing it atomically when it exists).
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ReportData data = recorder.finish();
        String html = PerformanceHtml.render(data, schedulerAddress, engineVersion);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".jcloud-report-", ".tmp");
            try {
                Files.writeString(temp, html, StandardCharsets.UTF_8);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the performance report " + file + ": " + e.getMessage(), e);
        }
    }
}
