package dev.jcloud.engine.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.StreamRecord;
import dev.jcloud.engine.proto.WorkerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PerformanceHtmlTest {

    @Test
    void thinningKeepsAnEvenSampleWithinItsBound() {
        PerformanceRecorder.Thinned<Integer> t = new PerformanceRecorder.Thinned<>(1000);
        for (int i = 0; i < 100_000; i++) {
            t.add(i);
        }
        List<Integer> kept = t.items();
        assertThat(kept).hasSizeBetween(500, 1000).startsWith(0);
        int stride = t.stride();
        assertThat(stride).isEqualTo(128);
        for (int i = 0; i < kept.size(); i++) {
            assertThat(kept.get(i)).isEqualTo(i * stride);
        }
    }

    @Test
    void namesFromTheClusterAreEscapedAndNothingIsFetchedFromElsewhere() {
        String hostile = "Job.<script>alert('x')</script>&\"";
        String worker = "w<1>";
        List<StreamRecord> records = new ArrayList<>();
        long start = 1_000_000L * 1000;
        for (int i = 0; i < 20; i++) {
            records.add(StreamRecord.newBuilder()
                    .setSeq(i)
                    .setWorker(worker)
                    .setThread(i % 2)
                    .setKind(hostile)
                    .setStartMicros(start + i * 1000L)
                    .setDurationMicros(900)
                    .build());
        }
        records.add(StreamRecord.newBuilder()
                .setSeq(20)
                .setWorker(worker)
                .setThread(-1)
                .setKind("transfer")
                .setType(1)
                .setNbytes(4096)
                .setPeer("127.0.0.1:1")
                .setStartMicros(start)
                .setDurationMicros(100)
                .build());
        WorkerInfo w = WorkerInfo.newBuilder()
                .setName(worker)
                .setNthreads(2)
                .setMemoryLimit(1 << 30)
                .setLast(Heartbeat.newBuilder()
                        .setHeapUsed(1 << 20)
                        .setTransfers(1)
                        .setBytesIn(4096))
                .build();
        ReportData d = new ReportData(
                1_000_000,
                1_000_100,
                records,
                1,
                List.of(new ReportData.KindTotal(hostile, 20, 18_000)),
                0,
                0,
                Map.of(),
                Map.of(worker, w),
                Map.of(worker, List.of(new ReportData.MemorySample(1_000_000, 1 << 20, 1 << 30, 0, 0))),
                null);
        String html = PerformanceHtml.render(d, "127.0.0.1:8786", "0.1.0");
        assertThat(html)
                .doesNotContain("<script", "http://", "https://", " src=", "url(")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")
                .contains("w&lt;1&gt;")
                .contains("class=\"transfer\"")
                .contains("transfer from 127.0.0.1:1 to w&lt;1&gt;: 4.0 KiB");
        assertThat(html.split("<rect class=\"task\"", -1)).hasSize(21);
    }
}
