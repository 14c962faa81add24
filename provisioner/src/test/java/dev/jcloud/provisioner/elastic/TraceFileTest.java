package dev.jcloud.provisioner.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceFileTest {

    @Test
    void readsHeaderCommentsAndOptionalKind() {
        Trace t = TraceFile.parse(
                "/tmp/w.csv", List.of("# a comment", "arrival_s,duration_s,kind", "", "5,2.5,load", "0,1"));
        assertThat(t.name()).isEqualTo("w.csv");
        assertThat(t.tasks()).containsExactly(new Trace.Task(0, 1, "task"), new Trace.Task(5, 2.5, "load"));
    }

    @Test
    void errorsNameTheFileAndLine() {
        assertThatThrownBy(() -> TraceFile.parse("w.csv", List.of("arrival_s,duration_s", "1,2", "x,3")))
                .hasMessage("trace file w.csv line 3: arrival_s must be a number of seconds (was 'x')");
        assertThatThrownBy(() -> TraceFile.parse("w.csv", List.of("1,0")))
                .hasMessage("trace file w.csv line 1: duration_s must be > 0 (was 0)");
        assertThatThrownBy(() -> TraceFile.parse("w.csv", List.of("1")))
                .hasMessageStartingWith(
                        "trace file w.csv line 1: expected 'arrival_s,duration_s[,kind]' but found 1 field");
        assertThatThrownBy(() -> TraceFile.parse("w.csv", List.of("-1,2")))
                .hasMessage("trace file w.csv line 1: arrival_s must be ≥ 0 (was -1)");
        assertThatThrownBy(() -> TraceFile.parse("w.csv", List.of("# nothing")))
                .hasMessageStartingWith("trace file w.csv has no tasks");
        assertThatThrownBy(() -> TraceFile.read(Path.of("/nonexistent/t.csv")))
                .hasMessage("trace file /nonexistent/t.csv does not exist");
    }

    @Test
    void readsATaskStreamExportWithComputeRowsOnly() {
        Trace t = TraceFile.parse(
                "stream.csv",
                List.of(
                        "key,action,start,stop",
                        "\"('inc-5e2c1f0a', 0)\",compute,1718000000.0,1718000002.5",
                        "\"('inc-5e2c1f0a', 1)\",transfer,1718000000.1,1718000000.2",
                        "\"('sum-77aa01bc', 0)\",compute,1718000003.0,1718000004.0"));
        assertThat(t.tasks()).containsExactly(new Trace.Task(0, 2.5, "inc"), new Trace.Task(3, 1, "sum"));
    }

    @Test
    void aTaskStreamRowWithoutAStartNamesTheColumn() {
        assertThatThrownBy(() -> TraceFile.parse("s.csv", List.of("name,start,stop", "x,,3")))
                .hasMessageContaining("s.csv line 2: no value in column start");
    }
}
