package dev.jcloud.providers.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The arguments of another process. {@code ProcessHandle.Info.arguments()} gives up on command
 * lines longer than 4 KiB (the JDK reads only that much), and ours carry a long class path, so on
 * Linux this reads {@code /proc/<pid>/cmdline} itself.
 */
final class CommandLines {

    private static final boolean PROC = Files.isDirectory(Path.of("/proc/self"));

    private CommandLines() {}

    /** The process's arguments after the program, or empty when they cannot be read. */
    static Optional<List<String>> arguments(ProcessHandle process) {
        if (PROC) {
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
                if (raw.length == 0) {
                    return Optional.empty(); // a zombie or a kernel thread
                }
                List<String> all = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
                return Optional.of(all.subList(1, all.size()));
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // gone, or not ours to read
            }
        }
        return process.info().arguments().map(List::of);
    }
}
