package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.worker.WorkerServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A scattered value whose worker is lost is sent again by its client, not lost with it. */
class ScatteredValueLossTest {

    @Test
    void theClientSendsAValueAgainWhenTheWorkerHoldingItIsLost() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                Client client = cluster.connect()) {
            byte[] block = new byte[2 << 20];
            Arrays.fill(block, (byte) 5);
            TaskFuture<byte[]> scattered = client.scatter(block);
            assertThat(scattered.get()).hasSize(2 << 20);
            WorkerServer first = cluster.workers().get(0);
            assertThat(first.valuesReceived()).isEqualTo(1);

            WorkerServer second = cluster.addWorker("w1", 1, 1L << 30, Map.of());
            first.close();

            await().atMost(Duration.ofSeconds(30)).until(() -> second.valuesReceived() == 1);
            TaskFuture<Long> sum = client.compute(Delayed.of(scattered).then(ClientApiTest::checksum));
            assertThat(sum.get(Duration.ofSeconds(30))).isEqualTo(ClientApiTest.checksum(block));
        }
    }
}
