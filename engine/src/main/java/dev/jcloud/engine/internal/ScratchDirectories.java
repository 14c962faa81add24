package dev.jcloud.engine.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removal of the engine's own scratch space (blob stores, spill folders) when a role stops. */
public final class ScratchDirectories {

    private ScratchDirectories() {}

    /** Deletes {@code dir} and everything in it, ignoring what cannot be removed: it is temporary space. */
    public static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Already gone, or unreadable: the OS temp cleaner gets the rest.
        }
    }
}
