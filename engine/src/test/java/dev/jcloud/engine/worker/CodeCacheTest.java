package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.codec.ForgedStreams;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.proto.FunctionDef;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task functions are decoded with the same bounds as values (issue 6, promise 6). */
class CodeCacheTest {

    @Test
    void aFunctionPayloadWithAForgedArrayLengthIsRefusedBeforeAllocating(@TempDir Path blobs) {
        byte[] forged = ForgedStreams.arrayLength(JavaSerialization.serialize(new int[] {1, 2, 3}), 3, Integer.MAX_VALUE);
        CodeCache cache = new CodeCache(null, blobs);
        cache.define(FunctionDef.newBuilder().setId(7).setName("forged").setPayload(ByteString.copyFrom(forged)).build());
        assertThatThrownBy(() -> cache.function(7)).isInstanceOf(IOException.class);
    }
}
