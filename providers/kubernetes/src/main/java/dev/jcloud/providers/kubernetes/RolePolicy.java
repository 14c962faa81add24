package dev.jcloud.providers.kubernetes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The namespaced Role a user needs to run clusters ({@code jcloud iam-policy --provider kubernetes}). */
final class RolePolicy {

    private RolePolicy() {}

    /** A Role granting exactly what {@link AccessPreflight#UP} checks, as YAML for {@code kubectl apply}. */
    static String yaml() {
        Map<String, Map<String, List<String>>> byGroup = new LinkedHashMap<>();
        for (AccessPreflight.Permission p : AccessPreflight.UP) {
            byGroup.computeIfAbsent(p.group(), g -> new LinkedHashMap<>())
                    .computeIfAbsent(p.resource(), r -> new java.util.ArrayList<>())
                    .add(p.verb());
        }
        StringBuilder b = new StringBuilder();
        b.append("# Bind it to the user or group that runs 'jcloud cluster up --provider kubernetes'\n")
                .append("# in the namespace the clusters run in (kubectl create rolebinding ... --role jcloud-user).\n")
                .append("apiVersion: rbac.authorization.k8s.io/v1\n")
                .append("kind: Role\n")
                .append("metadata:\n")
                .append("  name: jcloud-user\n")
                .append("rules:\n");
        byGroup.forEach((group, resources) -> resources.forEach((resource, verbs) -> b.append("- apiGroups: [\"")
                .append(group)
                .append("\"]\n  resources: [\"")
                .append(resource)
                .append("\"]\n  verbs: [")
                .append(String.join(
                        ", ", verbs.stream().map(v -> "\"" + v + "\"").toList()))
                .append("]\n")));
        return b.toString();
    }
}
