package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The container entry point names a worker from its task id, read from an ECS task metadata endpoint on loopback. */
class FargateTaskMainTest {

    private static final String ARN =
            "arn:aws:ecs:us-east-1:123456789012:task/jcloud-c1-x/0123456789abcdef0123456789abcdef";

    private static final Duration WAIT = Duration.ofSeconds(5);

    private HttpServer metadata;
    private volatile String answer;

    @BeforeEach
    void start() throws Exception {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // The v4 endpoint's task document, reduced to the field the entry point reads.
        metadata.createContext("/v4/container-1/task", exchange -> {
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        metadata.start();
        answer = "{\"Cluster\": \"jcloud-c1-x\", \"TaskARN\": \"" + ARN + "\", \"Family\": \"jcloud-c1-x-worker\"}";
    }

    @AfterEach
    void stop() {
        metadata.stop(0);
    }

    private Map<String, String> env() {
        return Map.of(
                FargateTaskMain.CLUSTER_ENV,
                "c1",
                FargateTaskMain.METADATA_ENV,
                "http://127.0.0.1:" + metadata.getAddress().getPort() + "/v4/container-1");
    }

    @Test
    void aWorkerGetsTheNameTheProviderDerivesFromItsTaskArn() {
        String[] args =
                FargateTaskMain.withName(new String[] {"worker", "10.0.0.5:8786", "--nthreads", "2"}, env(), WAIT);
        assertThat(args)
                .containsExactly("worker", "10.0.0.5:8786", "--nthreads", "2", "--name", "c1-worker-0123456789ab");
        assertThat(args[5]).isEqualTo(FargateNames.worker("c1", ARN));
    }

    @Test
    void theSchedulerAndNamedWorkersPassThroughUnchanged() {
        String[] scheduler = {"scheduler", "--port", "8786"};
        assertThat(FargateTaskMain.withName(scheduler, Map.of(), WAIT)).containsExactly(scheduler);
        String[] named = {"worker", "10.0.0.5:8786", "--name", "mine"};
        assertThat(FargateTaskMain.withName(named, Map.of(), WAIT)).containsExactly(named);
    }

    @Test
    void aWorkerWithoutItsTaskMetadataRefusesToStartAndSaysWhy() {
        String[] worker = {"worker", "10.0.0.5:8786"};
        assertThatThrownBy(() -> FargateTaskMain.withName(worker, Map.of(), WAIT))
                .hasMessageContaining("ECS_CONTAINER_METADATA_URI_V4")
                .hasMessageContaining("--name");
        answer = "{\"Cluster\": \"jcloud-c1-x\"}";
        assertThatThrownBy(() -> FargateTaskMain.withName(worker, env(), Duration.ofMillis(200)))
                .hasMessageContaining("did not give this task's ARN (no TaskARN in its answer)");
    }
}
