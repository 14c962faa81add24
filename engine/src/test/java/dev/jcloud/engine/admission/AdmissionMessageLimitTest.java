package dev.jcloud.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.AdmissionGrpc;
import dev.jcloud.engine.proto.JoinRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission service of a join-token scheduler, on a real TLS port: a caller without a
 * certificate can send it only a small message, not the engine's 256 MiB.
 */
class AdmissionMessageLimitTest {

    @TempDir
    Path dir;

    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "a-join-token-of-enough-length-0123456789\n");
        JoinToken token = JoinToken.read(tokenFile, "--join-token-file");
        server = Transports.server(
                "127.0.0.1", 0, JoinService.schedulerSecurity(token, "scheduler.cluster.jcloud"), null);
        // Like a joiner before it trusts anything: no client certificate, any server certificate.
        channel = NettyChannelBuilder.forTarget(
                        "127.0.0.1:" + server.getPort(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers())
                                .build())
                .overrideAuthority("scheduler.cluster.jcloud")
                .maxInboundMessageSize(Transports.MAX_MESSAGE_BYTES)
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private Status.Code join(int publicKeyBytes) {
        StatusRuntimeException e = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> AdmissionGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .join(JoinRequest.newBuilder()
                                .setPublicKey(ByteString.copyFrom(new byte[publicKeyBytes]))
                                .setRole("worker")
                                .build()));
        assertThat(e).as("the scheduler refuses a request with a zero key").isNotNull();
        return e.getStatus().getCode();
    }

    @Test
    void aLargeAdmissionMessageIsRefusedBeforeItIsRead() {
        assertThat(join(8 << 20)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        // The port still serves admission calls of a normal size, which the join service then judges.
        assertThat(join(91)).isNotEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }
}
