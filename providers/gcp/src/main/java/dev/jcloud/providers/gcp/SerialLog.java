package dev.jcloud.providers.gcp;

import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.compute.v1.SerialPortOutput;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * An instance's serial port 1 output as lines. GCE keeps the output with a byte offset: each read
 * asks from where the previous one ended ({@code start = next}), so following costs one small call
 * per poll and never repeats a line. A line is delivered once it is complete (or, at the end, as it is).
 */
final class SerialLog {

    private final GceInstances instances;
    private final GceInstances.Ref ref;
    private final boolean follow;
    private final Duration poll;

    SerialLog(GceInstances instances, GceInstances.Ref ref, boolean follow, Duration poll) {
        this.instances = instances;
        this.ref = ref;
        this.follow = follow;
        this.poll = poll;
    }

    /** The lines there are now, and with {@code follow} the ones that come, until the instance is gone. */
    Stream<String> lines() {
        Iterator<String> it = new Iterator<>() {
            private final Deque<String> ready = new ArrayDeque<>();
            private final StringBuilder partial = new StringBuilder();
            private long next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                boolean first = true;
                while (ready.isEmpty() && !ended) {
                    if (!first) {
                        sleep();
                    }
                    first = false;
                    read();
                    if (!follow) {
                        ended = true;
                    }
                }
                if (ready.isEmpty() && partial.length() > 0) {
                    ready.add(partial.toString());
                    partial.setLength(0);
                }
                return !ready.isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }

            private void read() {
                SerialPortOutput out;
                try {
                    out = instances.serialOutput(ref, next);
                } catch (NotFoundException e) {
                    ended = true;
                    return;
                }
                next = out.getNext();
                partial.append(out.getContents());
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    ready.add(partial.substring(0, nl));
                    partial.delete(0, nl + 1);
                }
            }

            private void sleep() {
                try {
                    Thread.sleep(poll.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ProvisionException("interrupted while following the log of " + ref.id(), e);
                }
            }
        };
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }
}
