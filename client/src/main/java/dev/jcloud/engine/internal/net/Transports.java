package dev.jcloud.engine.internal.net;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Builds every gRPC channel and server of the engine, with the same limits everywhere. */
public final class Transports {

    /** Batches of tens of thousands of tasks and results of a few MiB inline must fit. */
    public static final int MAX_MESSAGE_BYTES = 256 << 20;
    /** Larger windows keep a stream of result batches flowing between acknowledgements. */
    private static final int FLOW_CONTROL_WINDOW = 8 << 20;

    private Transports() {}

    /**
     * A channel to {@code address} (host:port). {@code executor} null means callbacks run on the
     * network thread, which is right only for handlers that merely enqueue.
     */
    public static ManagedChannel channel(String address, TransportSecurity security, Executor executor) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(address, security.channelCredentials())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .flowControlWindow(FLOW_CONTROL_WINDOW)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true);
        if (security.serverName() != null) {
            builder.overrideAuthority(security.serverName());
        }
        if (executor == null) {
            builder.directExecutor();
        } else {
            builder.executor(executor);
        }
        return builder.build();
    }

    /** A started server on host:port (port 0 = any free port). */
    public static Server server(
            String host, int port, TransportSecurity security, Executor executor, BindableService... services)
            throws IOException {
        if (security.isTls()) {
            TlsRefusals.install();
        }
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                        new InetSocketAddress(host, port), security.serverCredentials())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .flowControlWindow(FLOW_CONTROL_WINDOW)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        if (executor == null) {
            builder.directExecutor();
        } else {
            builder.executor(executor);
        }
        BindableService admission = security.admission();
        if (admission != null) {
            io.grpc.ServerServiceDefinition definition = admission.bindService();
            builder.addService(definition);
            builder.addStreamTracerFactory(
                    new AdmissionMessageLimit(definition.getServiceDescriptor().getName()));
        }
        for (BindableService service : services) {
            if (admission != null) {
                builder.addService(ServerInterceptors.intercept(service, new CertificateRequired()));
            } else {
                builder.addService(service);
            }
        }
        return builder.build().start();
    }

    /** host:port of a started server, as others should dial it. */
    public static String address(String host, Server server) {
        return hostFor(host) + ":" + server.getPort();
    }

    /**
     * Whether listening on {@code bindHost} is reachable from this machine only: every address
     * it resolves to is loopback (127.0.0.0/8, ::1). An unknown name is not loopback.
     */
    public static boolean isLoopbackBind(String bindHost) {
        try {
            for (InetAddress a : InetAddress.getAllByName(bindHost)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The host others dial for a bind address: a wildcard bind is reached at this machine's address. */
    public static String hostFor(String bindHost) {
        if (!bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
            return bindHost;
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }
}
