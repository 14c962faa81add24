package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The two IAM roles of a Fargate cluster (see {@link TaskPolicies}), at path
 * {@value FargateNames#ROLE_PATH}, named after the cluster and tagged with it, each with its
 * policy inline so that it lives and dies with the role. Tasks get credentials from them instead
 * of keys.
 */
final class TaskRoles {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRoles.class);
    static final String TASK_POLICY = "jcloud-task";
    static final String EXECUTION_POLICY = "jcloud-execution";

    /** The ARNs a task definition names. */
    record Arns(String taskRole, String executionRole) {}

    private final IamClient iam;

    TaskRoles(IamClient iam) {
        this.iam = iam;
    }

    /** Creates the roles where missing and (re)writes their policies; returns their ARNs. */
    Arns ensure(
            ClusterContext cluster,
            Map<String, String> tags,
            String trustPolicy,
            String taskPolicy,
            String executionPolicy) {
        String task = ensure(
                cluster,
                FargateNames.taskRole(cluster),
                "engine of jcloud cluster " + cluster.name(),
                tags,
                trustPolicy,
                TASK_POLICY,
                taskPolicy);
        String execution = ensure(
                cluster,
                FargateNames.executionRole(cluster),
                "ECS agent of jcloud cluster " + cluster.name() + ": image pull and logs",
                tags,
                trustPolicy,
                EXECUTION_POLICY,
                executionPolicy);
        return new Arns(task, execution);
    }

    private String ensure(
            ClusterContext cluster,
            String name,
            String description,
            Map<String, String> tags,
            String trustPolicy,
            String policyName,
            String policy) {
        String arn = role(name).map(Role::arn).orElseGet(() -> {
            Role created = iam.createRole(r -> r.roleName(name)
                            .path(FargateNames.ROLE_PATH)
                            .assumeRolePolicyDocument(trustPolicy)
                            .description(description)
                            .tags(Tags.iam(tags)))
                    .role();
            LOG.info("{}: created IAM role {}", cluster.name(), name);
            return created.arn();
        });
        iam.putRolePolicy(r -> r.roleName(name).policyName(policyName).policyDocument(policy));
        return arn;
    }

    /** Deletes both roles and their policies; missing pieces are fine. */
    void delete(ClusterContext cluster) {
        for (String name : List.of(FargateNames.taskRole(cluster), FargateNames.executionRole(cluster))) {
            if (delete(name)) {
                LOG.info("{}: deleted IAM role {}", cluster.name(), name);
            }
        }
    }

    private boolean delete(String name) {
        if (role(name).isEmpty()) {
            return false;
        }
        for (String policy : iam.listRolePolicies(b -> b.roleName(name)).policyNames()) {
            ignoreMissing(() -> iam.deleteRolePolicy(b -> b.roleName(name).policyName(policy)));
        }
        ignoreMissing(() -> iam.deleteRole(b -> b.roleName(name)));
        return true;
    }

    private Optional<Role> role(String name) {
        try {
            return Optional.of(iam.getRole(r -> r.roleName(name)).role());
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    private static void ignoreMissing(Runnable call) {
        try {
            call.run();
        } catch (NoSuchEntityException e) {
            // deleted by another process in the meantime
        }
    }
}
