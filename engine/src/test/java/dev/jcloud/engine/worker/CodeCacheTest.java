package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.codec.ForgedStreams;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.FunctionDef;
import java.io.IOException;
import java.nio.file.Path;
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

    /** Task functions are decoded with the same bounds as values (issue 6, promise 6). */
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
}
