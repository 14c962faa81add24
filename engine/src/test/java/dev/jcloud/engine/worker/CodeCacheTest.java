package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.codec.ForgedStreams;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.BlobChunk;
import dev.jcloud.engine.proto.BlobRequest;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.SchedulerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeCacheTest {

    /** Engine and JDK classes come from the worker itself: the client's jars are fetched only for a class they alone have. */
    @Test
    void theClientsJarsAreFetchedOnlyForAClassTheWorkerLacks(@TempDir Path blobs) throws Exception {
        CodeCache cache = new CodeCache(null, blobs); // no scheduler: a fetch fails, and says so
        cache.define(ClasspathDef.newBuilder()
                .setId(5)
                .addEntries(ClasspathEntry.newBuilder()
                        .setName("app.jar")
                        .setSha256("ab".repeat(32))
                        .setSize(1234))
                .build());
        cache.define(
                FunctionDef.newBuilder().setId(9).setName("f").setClasspath(5).build());
        ClassLoader loader = cache.loaderFor(9);

        // A fetch here would fail (there is no scheduler): these loads prove none was tried.
        assertThat(loader.loadClass("java.util.ArrayList")).isSameAs(java.util.ArrayList.class);
        assertThat(loader.loadClass(CodeCache.class.getName())).isSameAs(CodeCache.class);

        assertThatThrownBy(() -> loader.loadClass("com.example.OnlyInTheApp"))
                .hasMessageContaining("cannot fetch class path entry app.jar");
    }

    /** Task functions are decoded with the same bounds as values. */
    @Test
    void aFunctionPayloadWithAForgedArrayLengthIsRefusedBeforeAllocating(@TempDir Path blobs) {
        byte[] forged =
                ForgedStreams.arrayLength(JavaSerialization.serialize(new int[] {1, 2, 3}), 3, Integer.MAX_VALUE);
        CodeCache cache = new CodeCache(null, blobs);
        cache.define(FunctionDef.newBuilder()
                .setId(7)
                .setName("forged")
                .setPayload(ByteString.copyFrom(forged))
                .build());
        assertThatThrownBy(() -> cache.function(7)).isInstanceOf(IOException.class);
    }

    /** A class path entry whose download breaks half way leaves no partial file in the worker's cache. */
    @Test
    void aFetchThatBreaksHalfWayLeavesNoPartialFile(@TempDir Path blobs) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Server scheduler = Transports.server(
                "127.0.0.1", 0, TransportSecurity.plaintext(), executor, new SchedulerGrpc.SchedulerImplBase() {
                    @Override
                    public void getBlob(BlobRequest request, StreamObserver<BlobChunk> responses) {
                        responses.onNext(BlobChunk.newBuilder()
                                .setData(ByteString.copyFrom(new byte[4096]))
                                .build());
                        responses.onError(Status.UNAVAILABLE
                                .withDescription("connection lost")
                                .asRuntimeException());
                    }
                });
        ManagedChannel channel =
                Transports.channel("127.0.0.1:" + scheduler.getPort(), TransportSecurity.plaintext(), null);
        try {
            CodeCache cache = new CodeCache(channel, blobs);
            cache.define(ClasspathDef.newBuilder()
                    .setId(5)
                    .addEntries(ClasspathEntry.newBuilder()
                            .setName("app.jar")
                            .setSha256("cd".repeat(32))
                            .setSize(8192))
                    .build());
            cache.define(FunctionDef.newBuilder()
                    .setId(9)
                    .setName("f")
                    .setClasspath(5)
                    .build());
            ClassLoader loader = cache.loaderFor(9);
            assertThatThrownBy(() -> loader.loadClass("com.example.OnlyInTheApp"))
                    .hasMessageContaining("cannot fetch class path entry app.jar");
            try (Stream<Path> left = Files.walk(blobs)) {
                assertThat(left.filter(Files::isRegularFile)).isEmpty();
            }
        } finally {
            channel.shutdownNow();
            scheduler.shutdownNow();
            executor.shutdownNow();
        }
    }
}
