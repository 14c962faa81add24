package dev.jcloud.providers.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * CloudWatch Logs groups of clusters, where the awslogs driver writes each task's output: created
 * tagged and with a retention (logs must not cost money forever), read back for error messages and
 * {@code logTail}, deleted on {@code down}.
 */
final class LogGroups {

    private static final Logger LOG = LoggerFactory.getLogger(LogGroups.class);

    private final CloudWatchLogsClient logs;

    LogGroups(CloudWatchLogsClient logs) {
        this.logs = logs;
    }

    /** Creates the group where missing (tagged at creation) and sets its retention. */
    void ensure(String name, Map<String, String> tags, int retentionDays) {
        Optional<LogGroup> existing = find(name);
        if (existing.isEmpty()) {
            logs.createLogGroup(r -> r.logGroupName(name).tags(tags));
            LOG.info("created log group {} (retention {} days)", name, retentionDays);
        }
        if (existing.isEmpty()
                || !Integer.valueOf(retentionDays).equals(existing.get().retentionInDays())) {
            logs.putRetentionPolicy(r -> r.logGroupName(name).retentionInDays(retentionDays));
        }
    }

    Optional<LogGroup> find(String name) {
        return logs.describeLogGroupsPaginator(r -> r.logGroupNamePrefix(name)).logGroups().stream()
                .filter(g -> g.logGroupName().equals(name))
                .findFirst();
    }

    /** The groups whose names start with {@code prefix}. */
    List<LogGroup> list(String prefix) {
        List<LogGroup> out = new ArrayList<>();
        logs.describeLogGroupsPaginator(r -> r.logGroupNamePrefix(prefix))
                .logGroups()
                .forEach(out::add);
        return out;
    }

    /**
     * The group's tags; empty when it is gone. ListTagsLogGroup is deprecated in favour of
     * ListTagsForResource, which needs the group's ARN (one DescribeLogGroups call more); the older
     * call is still served and takes the name.
     */
    @SuppressWarnings("deprecation")
    Map<String, String> tags(String name) {
        try {
            return new LinkedHashMap<>(
                    logs.listTagsLogGroup(r -> r.logGroupName(name)).tags());
        } catch (ResourceNotFoundException e) {
            return Map.of();
        }
    }

    /**
     * The last {@code lines} messages of one stream, oldest first; empty when the stream does not
     * exist (yet). Never fails: it feeds error messages.
     */
    String tail(String group, String stream, int lines) {
        try {
            List<OutputLogEvent> events = logs.getLogEvents(r -> r.logGroupName(group)
                            .logStreamName(stream)
                            .limit(Math.max(1, lines))
                            .startFromHead(false))
                    .events();
            StringBuilder out = new StringBuilder();
            for (OutputLogEvent e : events) {
                out.append(e.message().stripTrailing()).append('\n');
            }
            return out.toString().stripTrailing();
        } catch (ResourceNotFoundException e) {
            return "";
        } catch (AwsServiceException e) {
            return "(log unavailable: " + e.getMessage() + ")";
        }
    }

    /**
     * Every message of one stream, oldest first, page by page as the caller reads. With
     * {@code follow}, new messages keep coming (polled every {@code poll}) until {@code more} says
     * the writer has stopped and a last poll found nothing new, or the caller closes the stream.
     * A stream that does not exist (yet) is empty, or, when following, waited for.
     */
    java.util.stream.Stream<String> messages(
            String group,
            String stream,
            boolean follow,
            java.util.function.BooleanSupplier more,
            java.time.Duration poll) {
        java.util.Iterator<String> lines = new java.util.Iterator<>() {
            private final java.util.ArrayDeque<String> buffered = new java.util.ArrayDeque<>();
            private String token;
            private boolean done;

            @Override
            public boolean hasNext() {
                while (buffered.isEmpty() && !done) {
                    boolean writing = follow && more.getAsBoolean(); // asked before reading: no line is lost
                    int got = fetch();
                    if (got == 0) {
                        if (!writing) {
                            done = true;
                        } else {
                            sleep(poll);
                        }
                    }
                }
                return !buffered.isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return buffered.poll();
            }

            private int fetch() {
                try {
                    var page = logs.getLogEvents(r -> r.logGroupName(group)
                            .logStreamName(stream)
                            .startFromHead(true)
                            .nextToken(token));
                    page.events().forEach(e -> buffered.add(e.message().stripTrailing()));
                    token = page.nextForwardToken();
                    return page.events().size();
                } catch (ResourceNotFoundException e) {
                    return 0;
                }
            }
        };
        return java.util.stream.StreamSupport.stream(
                java.util.Spliterators.spliteratorUnknownSize(
                        lines, java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL),
                false);
    }

    private static void sleep(java.time.Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.jcloud.provisioner.ProvisionException("interrupted while following a log", e);
        }
    }

    /** Deletes the group; a group already gone is fine. */
    void delete(String name) {
        try {
            logs.deleteLogGroup(r -> r.logGroupName(name));
            LOG.info("deleted log group {}", name);
        } catch (ResourceNotFoundException e) {
            // deleted by another process, or never created
        }
    }
}
