package dev.jcloud.engine.internal.net;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * Caps what an admission call (the one service a caller without a certificate may reach) can
 * send, at {@link #MAX_BYTES} per call instead of the engine's {@link Transports#MAX_MESSAGE_BYTES}:
 * anyone who reaches the port could otherwise make the scheduler buffer a quarter of a GiB per
 * call before any check ran. gRPC has one message limit per server; this counts the bytes of a
 * call's messages as they arrive and ends the call with {@code RESOURCE_EXHAUSTED} once past
 * the cap, before the message is complete.
 */
final class AdmissionMessageLimit extends ServerStreamTracer.Factory {

    /** A join request is a public key, a nonce, a proof and a name: well under a KiB. */
    static final int MAX_BYTES = 16 << 10;

    private static final ServerStreamTracer UNLIMITED = new ServerStreamTracer() {};

    private final String servicePrefix;

    /** Limits the calls of the service named {@code serviceName} (e.g. {@code jcloud.Admission}). */
    AdmissionMessageLimit(String serviceName) {
        this.servicePrefix = serviceName + "/";
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        if (!fullMethodName.startsWith(servicePrefix)) {
            return UNLIMITED;
        }
        return new ServerStreamTracer() {
            private long received; // one stream's bytes arrive on one thread at a time

            @Override
            public void inboundWireSize(long bytes) {
                received += bytes;
                if (received > MAX_BYTES) {
                    // Thrown into the transport's reading of this stream, which cancels it.
                    throw Status.RESOURCE_EXHAUSTED
                            .withDescription("an admission call may carry at most " + MAX_BYTES + " bytes")
                            .asRuntimeException();
                }
            }
        };
    }
}
