package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * The cluster machines' cloud identities: per role of machine an IAM role (path {@value #PATH},
 * named after the cluster and its id, tagged) with its least-privilege policy inline, and an
 * instance profile of the same name holding it. The scheduler's ({@link #name}) carries the
 * in-cluster controller's rights ({@link InstancePolicies#permissionsPolicy}); the workers'
 * ({@link #workerName}) only reads the workers' TLS files ({@link InstancePolicies#workerPolicy}):
 * a worker cannot launch, stop or re-group machines, nor read the scheduler's key. Machines get
 * credentials from them instead of keys; names are derived from the cluster so any process finds
 * them without state.
 */
final class InstanceIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceIdentity.class);
    static final String PATH = "/jcloud/";
    static final String POLICY_NAME = "jcloud-cluster";

    private final IamClient iam;

    InstanceIdentity(IamClient iam) {
        this.iam = iam;
    }

    /** {@code jcloud-<name>-<id>}: at most 7 + 40 + 1 + 12 = 60 characters, under IAM's 64. */
    static String name(ClusterContext cluster) {
        return "jcloud-" + cluster.name() + "-" + cluster.id();
    }

    /** {@code jcloud-<name>-<id>-w}: the workers' identity, at most 62 characters. */
    static String workerName(ClusterContext cluster) {
        return name(cluster) + "-w";
    }

    /** Creates the scheduler's role, its policy and the instance profile where missing; returns the profile's name. */
    String ensure(ClusterContext cluster, Map<String, String> tags, String policy) {
        return ensure(cluster, name(cluster), "jcloud cluster " + cluster.name() + " scheduler", tags, policy);
    }

    /** Creates the workers' role, its policy and the instance profile where missing; returns the profile's name. */
    String ensureWorkers(ClusterContext cluster, Map<String, String> tags, String policy) {
        return ensure(cluster, workerName(cluster), "jcloud cluster " + cluster.name() + " workers", tags, policy);
    }

    private String ensure(
            ClusterContext cluster, String name, String description, Map<String, String> tags, String policy) {
        if (role(name).isEmpty()) {
            iam.createRole(r -> r.roleName(name)
                    .path(PATH)
                    .assumeRolePolicyDocument(InstancePolicies.trustPolicy())
                    .description(description)
                    .tags(Tags.iam(tags)));
            LOG.info("{}: created IAM role {}", cluster.name(), name);
        }
        iam.putRolePolicy(r -> r.roleName(name).policyName(POLICY_NAME).policyDocument(policy));
        InstanceProfile profile = profile(name)
                .orElseGet(() -> iam.createInstanceProfile(
                                r -> r.instanceProfileName(name).path(PATH).tags(Tags.iam(tags)))
                        .instanceProfile());
        if (profile.roles().stream().noneMatch(r -> r.roleName().equals(name))) {
            iam.addRoleToInstanceProfile(r -> r.instanceProfileName(name).roleName(name));
        }
        return name;
    }

    /** Deletes the profiles, policies and roles of the workers and the scheduler; missing pieces are fine. */
    void delete(ClusterContext cluster) {
        delete(workerName(cluster));
        delete(name(cluster));
        LOG.info(
                "{}: deleted IAM roles and instance profiles {} and {}",
                cluster.name(),
                name(cluster),
                workerName(cluster));
    }

    void delete(String name) {
        profile(name).ifPresent(p -> {
            p.roles()
                    .forEach(r -> ignore(() -> iam.removeRoleFromInstanceProfile(
                            b -> b.instanceProfileName(name).roleName(r.roleName()))));
            ignore(() -> iam.deleteInstanceProfile(b -> b.instanceProfileName(name)));
        });
        if (role(name).isPresent()) {
            for (String policy : iam.listRolePolicies(b -> b.roleName(name)).policyNames()) {
                ignore(() -> iam.deleteRolePolicy(b -> b.roleName(name).policyName(policy)));
            }
            ignore(() -> iam.deleteRole(b -> b.roleName(name)));
        }
    }

    private Optional<software.amazon.awssdk.services.iam.model.Role> role(String name) {
        try {
            return Optional.of(iam.getRole(r -> r.roleName(name)).role());
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    private Optional<InstanceProfile> profile(String name) {
        try {
            return Optional.of(
                    iam.getInstanceProfile(r -> r.instanceProfileName(name)).instanceProfile());
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    private static void ignore(Runnable call) {
        try {
            call.run();
        } catch (NoSuchEntityException e) {
            // deleted by another process in the meantime
        }
    }
}
