package dev.jcloud.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call made through the clients it is installed in, as the IAM action that
 * allows it ({@code service:Operation}), to check a policy against what the code really calls.
 */
final class RecordedCalls implements ExecutionInterceptor {

    /** SDK operation names whose IAM action is named differently. */
    private static final Map<String, String> ACTION_OF = Map.of(
            "s3:headbucket", "s3:ListBucket",
            "s3:headobject", "s3:GetObject",
            "s3:listobjectsv2", "s3:ListBucket",
            "s3:putpublicaccessblock", "s3:PutBucketPublicAccessBlock",
            "s3:putbucketencryption", "s3:PutEncryptionConfiguration",
            "s3:putbucketlifecycleconfiguration", "s3:PutLifecycleConfiguration",
            "s3:getbucketlifecycleconfiguration", "s3:GetLifecycleConfiguration",
            "s3:deletebucketlifecycle", "s3:PutLifecycleConfiguration",
            "s3:copyobject", "s3:PutObject");
    /** SDK service names whose IAM prefix differs. */
    private static final Map<String, String> PREFIX_OF = Map.of("cloudwatchlogs", "logs");

    private final Set<String> actions = new ConcurrentSkipListSet<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String service =
                attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME).toLowerCase(Locale.ROOT);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String call = service + ":" + operation;
        String mapped = ACTION_OF.get(call.toLowerCase(Locale.ROOT));
        actions.add(mapped != null ? mapped : PREFIX_OF.getOrDefault(service, service) + ":" + operation);
    }

    Set<String> actions() {
        return Set.copyOf(actions);
    }

    /** The recorded actions {@code policyJson} does not list (case-insensitively, as IAM compares). */
    List<String> notAllowedBy(String policyJson) {
        Set<String> allowed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        try {
            for (JsonNode s : new ObjectMapper().readTree(policyJson).get("Statement")) {
                s.get("Action").forEach(a -> allowed.add(a.asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return actions.stream().filter(a -> !allowed.contains(a)).toList();
    }
}
