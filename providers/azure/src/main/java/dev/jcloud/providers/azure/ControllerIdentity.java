package dev.jcloud.providers.azure;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.authorization.models.PrincipalType;
import com.azure.resourcemanager.authorization.models.RoleAssignmentCreateParameters;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud identity of the in-cluster controller (which runs in the scheduler process and adds,
 * removes and finally deletes the cluster's machines): a user-assigned managed identity
 * {@value AzureNames#CONTROLLER_IDENTITY} in the cluster's resource group, attached to the scheduler
 * VM only, with the built-in Contributor role <em>scoped to that resource group</em>. It can manage
 * what is in the group (and delete the group itself at idle teardown) and nothing else in the
 * subscription; Contributor cannot grant roles, so it cannot widen its own reach. Workers get no
 * identity.
 *
 * <p>Granting the role needs {@code Microsoft.Authorization/roleAssignments/write} on the group
 * (Owner or User Access Administrator, or Role Based Access Control Administrator).
 */
final class ControllerIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerIdentity.class);
    /** Azure's built-in Contributor role. */
    static final String CONTRIBUTOR_ROLE = "b24988ac-6180-42a0-ab88-20f3382dd24c";
    /** A new identity's service principal takes a while to be visible to role assignments. */
    private static final Duration REPLICATION = Duration.ofSeconds(120);

    private final AzureClients azure;

    ControllerIdentity(AzureClients azure) {
        this.azure = azure;
    }

    /** Creates the identity and its role assignment where missing; returns the identity's resource id. */
    String ensure(ClusterContext cluster, AzureOptions options, Map<String, String> tags) {
        String group = AzureNames.group(cluster);
        IdentityInner identity = azure.msi()
                .getUserAssignedIdentities()
                .createOrUpdate(
                        group,
                        AzureNames.CONTROLLER_IDENTITY,
                        new IdentityInner().withLocation(options.location()).withTags(tags));
        String scope = AzureNames.groupId(options.subscription(), group);
        RoleAssignmentCreateParameters grant = new RoleAssignmentCreateParameters()
                .withRoleDefinitionId("/subscriptions/" + options.subscription()
                        + "/providers/Microsoft.Authorization/roleDefinitions/" + CONTRIBUTOR_ROLE)
                .withPrincipalId(identity.principalId().toString())
                // Saying what the principal is lets Azure accept it before its directory has replicated.
                .withPrincipalType(PrincipalType.SERVICE_PRINCIPAL)
                .withDescription("jcloud cluster " + cluster.name() + ": controller manages its own resource group");
        String name = assignmentName(scope);
        Instant deadline = Instant.now().plus(REPLICATION);
        Duration pause = azure.pollInterval();
        while (true) {
            try {
                azure.authorization().getRoleAssignments().create(scope, name, grant);
                LOG.info(
                        "{}: managed identity {} may manage resource group {} (Contributor on the group only)",
                        cluster.name(),
                        AzureNames.CONTROLLER_IDENTITY,
                        group);
                break;
            } catch (ManagementException e) {
                java.util.Set<String> codes = Lro.codes(e);
                if (codes.contains("RoleAssignmentExists")) {
                    break;
                }
                if (codes.contains("AuthorizationFailed")) {
                    throw new ProvisionException(
                            "the Azure identity " + azure.caller().display() + " may not grant"
                                    + " roles on resource group " + group + " (" + Lro.describe(e)
                                    + "): it needs Owner, User"
                                    + " Access Administrator or Role Based Access Control Administrator there, for the"
                                    + " cluster's controller identity",
                            e);
                }
                if (!codes.contains("PrincipalNotFound") || !Instant.now().isBefore(deadline)) {
                    throw e;
                }
                sleep(pause);
            }
        }
        return identity.id();
    }

    /**
     * The identity's client id, which the scheduler's {@code DefaultAzureCredential} uses to ask the
     * instance metadata service for this identity's token ({@code AZURE_CLIENT_ID}); not a secret.
     */
    String clientId(ClusterContext cluster) {
        IdentityInner identity = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(AzureNames.group(cluster), AzureNames.CONTROLLER_IDENTITY);
        return identity.clientId().toString();
    }

    /**
     * The identity's principal (object) id, which its tokens carry as {@code oid}: how a process
     * tells that it runs as this cluster's controller.
     */
    String principalId(ClusterContext cluster) {
        IdentityInner identity = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(AzureNames.group(cluster), AzureNames.CONTROLLER_IDENTITY);
        return identity.principalId().toString();
    }

    static String id(AzureOptions options, ClusterContext cluster) {
        return AzureNames.groupId(options.subscription(), AzureNames.group(cluster))
                + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + AzureNames.CONTROLLER_IDENTITY;
    }

    /** Role assignment names are GUIDs; one derived from the scope makes a re-run find the same one. */
    static String assignmentName(String scope) {
        return UUID.nameUUIDFromBytes(("jcloud-controller:" + scope.toLowerCase(java.util.Locale.ROOT))
                        .getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("interrupted while waiting for the controller identity", e);
        }
    }
}
