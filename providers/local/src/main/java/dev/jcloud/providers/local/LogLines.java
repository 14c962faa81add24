package dev.jcloud.providers.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A process's log file as a stream of lines, optionally following it ({@code tail -f}) until the
 * process has exited. Lines are split on {@code \n} by this class, so a line the process is still
 * writing is delivered only once it is complete (or once the process has gone).
 */
final class LogLines implements Iterator<String> {

    static final long POLL_MILLIS = 200;
    private static final int CHUNK = 64 * 1024;

    private final Path file;
    private final boolean follow;
    private final BooleanSupplier running;
    private final ArrayDeque<String> ready = new ArrayDeque<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private final java.io.ByteArrayOutputStream pendingBytes = new java.io.ByteArrayOutputStream();
    private long position;
    private boolean ended;
    private volatile boolean closed;
    /**
     * Kept open while following: a file deleted under us (a cluster being removed) stays readable
     * through it, so the last lines a process wrote before it exited are not lost.
     */
    private FileChannel channel;

    private Object fileKey;

    private LogLines(Path file, boolean follow, BooleanSupplier running) {
        this.file = file;
        this.follow = follow;
        this.running = running;
    }

    /**
     * The lines of {@code file}; with {@code follow}, new lines as they are written, until
     * {@code running} says the writer has gone (then the rest of the file) or the stream is closed.
     */
    static Stream<String> of(Path file, boolean follow, BooleanSupplier running) {
        LogLines lines = new LogLines(file, follow, running);
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(lines, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(lines::close);
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !ended) {
            // Asked before reading: the process may write its last lines and exit in between.
            boolean alive = follow && !closed && running.getAsBoolean();
            readAvailable();
            if (!ready.isEmpty()) {
                break;
            }
            if (!alive) {
                flushPartial();
                end();
                break;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end();
            }
        }
        return !ready.isEmpty();
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.removeFirst();
    }

    private void readAvailable() {
        try {
            FileChannel ch = open();
            if (ch == null) {
                return;
            }
            if (ch.size() < position) {
                position = 0; // truncated: start again
                pendingBytes.reset();
            }
            ch.position(position);
            while (true) {
                buffer.clear();
                int n = ch.read(buffer);
                if (n <= 0) {
                    break;
                }
                position += n;
                byte[] bytes = buffer.array();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (bytes[i] == '\n') {
                        pendingBytes.write(bytes, start, i - start);
                        String line = pendingBytes.toString(StandardCharsets.UTF_8);
                        ready.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
                        pendingBytes.reset();
                        start = i + 1;
                    }
                }
                pendingBytes.write(bytes, start, n - start);
                if (!follow && ready.size() > 10_000) {
                    break; // the caller consumes these first; reading resumes at position
                }
            }
        } catch (IOException e) {
            boolean closedByCaller = closed;
            end();
            if (closedByCaller) {
                return; // the stream was closed while a read was under way
            }
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The open file; reopened when the path now names another file (a new log of the same node). */
    private FileChannel open() throws IOException {
        Object key;
        try {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return channel; // not written yet, or deleted: what is open stays readable
        }
        if (channel != null && (key == null || key.equals(fileKey))) {
            return channel;
        }
        if (channel != null && channel.position() < channel.size()) {
            return channel; // finish the old file first
        }
        FileChannel old = channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return old;
        }
        if (old != null) {
            old.close();
            position = 0;
            pendingBytes.reset();
        }
        fileKey = key;
        return channel;
    }

    private void end() {
        ended = true;
        close();
    }

    private void close() {
        closed = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }

    private void flushPartial() {
        if (pendingBytes.size() > 0) {
            ready.add(pendingBytes.toString(StandardCharsets.UTF_8));
            pendingBytes.reset();
        }
    }
}
