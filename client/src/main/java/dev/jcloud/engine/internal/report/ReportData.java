package dev.jcloud.engine.internal.report;

import dev.jcloud.engine.proto.StreamRecord;
import dev.jcloud.engine.proto.WorkerInfo;
import java.util.List;
import java.util.Map;

/**
 * Everything a performance report shows, collected by {@link PerformanceRecorder}.
 *
 * @param startMillis     when the block began
 * @param endMillis       when it ended
 * @param records         task-stream records of the block: tasks, transfers, spills (sampled)
 * @param stride          the recorder kept one record in this many (1 = all it received)
 * @param kinds           every task finished in the block, by kind (exact)
 * @param skippedTasks    tasks the scheduler's sampling did not record
 * @param lostRecords     records that left the scheduler's ring before they were fetched
 * @param workersAtStart  the workers as the block began
 * @param workersAtEnd    every worker seen during the block, as last seen
 * @param memory          each worker's memory over the block
 * @param problem         why data may be missing, or null
 */
public record ReportData(
        long startMillis,
        long endMillis,
        List<StreamRecord> records,
        int stride,
        List<KindTotal> kinds,
        long skippedTasks,
        long lostRecords,
        Map<String, WorkerInfo> workersAtStart,
        Map<String, WorkerInfo> workersAtEnd,
        Map<String, List<MemorySample>> memory,
        String problem) {

    /** Tasks of one kind finished during the block and their summed run time. */
    public record KindTotal(String name, long count, long totalMicros) {}

    /** One worker's memory at one moment. */
    public record MemorySample(long millis, long heapUsed, long limit, long stored, long spilled) {}
}
