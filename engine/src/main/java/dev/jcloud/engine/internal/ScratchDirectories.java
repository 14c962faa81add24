package dev.jcloud.engine.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removal of the engine's own scratch space (blob stores, spill folders) when a role stops. */
public final class ScratchDirectories {

    private ScratchDirectories() {}

    /**
     * Deletes {@code dir} and everything in it, ignoring what cannot be removed: it is temporary
     * space. Entries may vanish while the tree is walked (a spill file freed by a task that is
     * still finishing), so a missing entry is skipped rather than ending the walk.
     */
    public static void deleteQuietly(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    file.toFile().delete();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    d.toFile().delete();
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException ignored) {
            // Unreadable: the OS temp cleaner gets the rest.
        }
    }
}
