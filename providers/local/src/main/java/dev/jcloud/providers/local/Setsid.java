package dev.jcloud.providers.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code setsid} program (util-linux), which runs a command in a new session. A process
 * started by Java is never a process-group leader, so setsid does not fork and the pid Java
 * reports stays the engine's pid.
 */
final class Setsid {

    private static final Optional<String> PATH = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst();

    private Setsid() {}

    static Optional<String> path() {
        return PATH;
    }
}
