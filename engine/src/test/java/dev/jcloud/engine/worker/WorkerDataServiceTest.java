package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving results over a real loopback connection. */
class WorkerDataServiceTest {

    private static final int MIB = 1 << 20;

    /**
     * A reader that takes nothing costs the worker about a flow-control window of buffered
     * chunks, not the whole result: the rest is sent as the reader asks for it.
     */
    @Test
    void aSlowReaderIsServedOnlyAsFastAsItReads(@TempDir Path dir) throws Exception {
        DataStore store = new DataStore(dir, Long.MAX_VALUE, (bytes, start, duration) -> {});
        store.put(7, new byte[64 * MIB]);
        AtomicLong served = new AtomicLong();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        Server server = Transports.server(
                "127.0.0.1", 0, TransportSecurity.plaintext(), executor, new WorkerDataService(store, served));
        ManagedChannel channel =
                Transports.channel("127.0.0.1:" + server.getPort(), TransportSecurity.plaintext(), null);
        try {
            AtomicLong received = new AtomicLong();
            AtomicLong closed = new AtomicLong(-1);
            ClientCall<DataRequest, DataChunk> call =
                    channel.newCall(WorkerGrpc.getGetDataMethod(), CallOptions.DEFAULT);
            call.start(
                    new ClientCall.Listener<>() {
                        @Override
                        public void onMessage(DataChunk chunk) {
                            received.addAndGet(chunk.getData().size());
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            closed.set(status.isOk() ? 1 : 0);
                        }
                    },
                    new Metadata());
            call.request(1);
            call.sendMessage(DataRequest.newBuilder().addKeys(7).build());
            call.halfClose();

            await().atMost(Duration.ofSeconds(30)).until(() -> served.get() > 0);
            // The reader holds on to its one message: the worker stops at about a window's worth.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).until(() -> served.get() <= 24L * MIB);

            call.request(Integer.MAX_VALUE);
            await().atMost(Duration.ofSeconds(60)).until(() -> closed.get() >= 0);
            assertThat(closed.get()).isEqualTo(1);
            assertThat(received.get()).isGreaterThanOrEqualTo(64L * MIB);
            assertThat(served.get()).isGreaterThanOrEqualTo(64L * MIB);
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
            executor.shutdownNow();
        }
    }
}
