package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ProvisionException;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks the API server, with one {@code SelfSubjectAccessReview} per permission, whether the
 * user may do what {@code up} does in the namespace, and refuses with the missing permissions
 * named before anything is created (instead of a 403 half way, or a wait that never ends).
 */
final class AccessPreflight {

    /** One permission: a verb on a resource of an API group ("" is the core group). */
    record Permission(String verb, String group, String resource) {
        @Override
        public String toString() {
            return verb + " " + resource + (group.isEmpty() ? "" : "." + group);
        }
    }

    /** What {@code up} and {@code down} do in the namespace. */
    static final List<Permission> UP = List.of(
            new Permission("create", "", "configmaps"),
            new Permission("get", "", "configmaps"),
            new Permission("delete", "", "configmaps"),
            new Permission("create", "", "pods"),
            new Permission("delete", "", "pods"),
            new Permission("list", "", "pods"),
            new Permission("watch", "", "pods"),
            new Permission("get", "", "pods/log"),
            new Permission("list", "", "events"),
            new Permission("create", "", "services"),
            new Permission("delete", "", "services"),
            new Permission("create", "", "secrets"),
            new Permission("delete", "", "secrets"),
            new Permission("create", "", "serviceaccounts"),
            new Permission("delete", "", "serviceaccounts"),
            new Permission("create", "rbac.authorization.k8s.io", "roles"),
            new Permission("delete", "rbac.authorization.k8s.io", "roles"),
            new Permission("create", "rbac.authorization.k8s.io", "rolebindings"),
            new Permission("delete", "rbac.authorization.k8s.io", "rolebindings"),
            new Permission("create", "networking.k8s.io", "networkpolicies"),
            new Permission("delete", "networking.k8s.io", "networkpolicies"));

    private AccessPreflight() {}

    /** The permissions of {@code wanted} the API server denies in {@code namespace}. */
    static List<Permission> missing(KubernetesClient client, String namespace, List<Permission> wanted) {
        List<Permission> missing = new ArrayList<>();
        for (Permission p : wanted) {
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withNewResourceAttributes()
                    .withNamespace(namespace)
                    .withVerb(p.verb())
                    .withGroup(p.group())
                    .withResource(
                            p.resource().contains("/")
                                    ? p.resource().substring(0, p.resource().indexOf('/'))
                                    : p.resource())
                    .withSubresource(
                            p.resource().contains("/")
                                    ? p.resource().substring(p.resource().indexOf('/') + 1)
                                    : null)
                    .endResourceAttributes()
                    .endSpec()
                    .build();
            SelfSubjectAccessReview answer;
            try {
                answer = client.authorization().v1().selfSubjectAccessReview().create(review);
            } catch (KubernetesClientException e) {
                throw new ProvisionException(
                        "cannot ask the API server at " + client.getMasterUrl() + " what you may do in namespace "
                                + namespace + " (" + e.getCode() + " " + e.getMessage() + ")",
                        e);
            }
            if (answer.getStatus() == null
                    || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                missing.add(p);
            }
        }
        return missing;
    }

    /** Fails naming every permission of {@code wanted} that is missing. */
    static void require(KubernetesClient client, String namespace, List<Permission> wanted) {
        List<Permission> missing = missing(client, namespace, wanted);
        if (!missing.isEmpty()) {
            throw new ProvisionException(
                    "your Kubernetes identity lacks " + missing.size() + " permission(s) in"
                            + " namespace " + namespace + ": "
                            + String.join(
                                    ", ",
                                    missing.stream().map(Permission::toString).toList())
                            + " (see 'jcloud iam-policy --provider kubernetes' for a Role that grants them); nothing was created");
        }
    }
}
