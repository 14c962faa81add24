package dev.jcloud.providers.aws;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ecs.model.Tag;

/**
 * Tags in ECS's shape. ECS, IAM, EC2 and CloudWatch Logs accept the same characters in tag keys
 * and values (letters, digits, spaces and {@code _ . : / = + - @}), so jcloud's keys
 * ({@code jcloud.cluster}, {@code jcloud.cluster-id}, {@code jcloud.role}, {@code jcloud.node},
 * ...) are used unchanged on every Fargate resource.
 */
final class EcsTags {

    private EcsTags() {}

    static List<Tag> of(Map<String, String> tags) {
        List<Tag> out = new ArrayList<>();
        tags.forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
        return out;
    }

    static Map<String, String> toMap(List<Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        if (tags != null) {
            for (Tag t : tags) {
                m.put(t.key(), t.value());
            }
        }
        return m;
    }
}
