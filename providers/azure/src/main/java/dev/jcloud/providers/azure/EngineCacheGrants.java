package dev.jcloud.providers.azure;

import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.authorization.fluent.models.RoleAssignmentInner;
import com.azure.resourcemanager.authorization.models.PrincipalType;
import com.azure.resourcemanager.authorization.models.RoleAssignmentCreateParameters;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.GcReport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster's controller identity may do with the engine cache ({@link EngineUploads}): read the
 * blobs of its {@value EngineUploads#CONTAINER} container ({@link #STORAGE_BLOB_DATA_READER}, scoped
 * to that container) and ask for a user delegation key ({@link #STORAGE_BLOB_DELEGATOR} on the
 * account: Azure serves that key per account, so the action must be granted at the account or above,
 * and this role holds that one action and no data access). A user delegation SAS grants at most what
 * its signer may do, so the URLs the controller signs can only read engines, and they die with the key
 * (one hour) or when the grant goes. No role here can list the account keys, write or delete a blob.
 *
 * <p>Role assignments lie outside the cluster's group, so deleting the group does not remove them:
 * {@link #revoke} does at {@code cluster down}, and {@link #collectOrphans} at {@code cluster gc}
 * finds those whose cluster or identity is gone (an interrupted {@code down}, an idle teardown by the
 * controller, which may not delete role assignments). Clusters made by an older jcloud had "Reader and
 * Data Access" on the account ({@link #LEGACY_READER_AND_DATA_ACCESS}): revoked and collected the same way.
 */
final class EngineCacheGrants {

    /** Azure's built-in "Storage Blob Data Reader": read containers and blobs, get a user delegation key. */
    static final String STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    /** Azure's built-in "Storage Blob Delegator": only {@code generateUserDelegationKey}; no data access. */
    static final String STORAGE_BLOB_DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    /** "Reader and Data Access" (may list the account keys): what older versions granted; only ever revoked. */
    static final String LEGACY_READER_AND_DATA_ACCESS = "c12c1c16-33a1-487b-954d-41c89c60f349";

    /** Every description of jcloud's grants starts so: the cluster's name and, since user delegation, its id. */
    private static final Pattern DESCRIPTION = Pattern.compile("^jcloud cluster (\\S+?)(?: \\(([^)]+)\\))?:");

    private static final Logger LOG = LoggerFactory.getLogger(EngineCacheGrants.class);

    private final AzureClients azure;
    private final AzureOptions options;

    EngineCacheGrants(AzureClients azure, AzureOptions options) {
        this.azure = azure;
        this.options = options;
    }

    /** The engine cache's container as a resource id: the scope of the controller's data role. */
    static String containerId(String subscription, String location) {
        return EngineUploads.accountId(subscription, location) + "/blobServices/default/containers/"
                + EngineUploads.CONTAINER;
    }

    /**
     * Role assignment names are GUIDs; one derived from scope and cluster finds the same one again
     * (at the account scope this is also the name older versions gave their Reader and Data Access grant).
     */
    static String readerAssignmentName(String scope, String clusterId) {
        return name("jcloud-engine-reader:", scope, clusterId);
    }

    static String delegatorAssignmentName(String scope, String clusterId) {
        return name("jcloud-engine-delegator:", scope, clusterId);
    }

    private static String name(String kind, String scope, String clusterId) {
        return UUID.nameUUIDFromBytes(
                        (kind + scope.toLowerCase(Locale.ROOT) + ":" + clusterId).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** Grants the controller its two roles, where missing. The cache (account, container) must exist. */
    void grant(ClusterContext cluster, String controllerPrincipal) {
        String container = containerId(options.subscription(), options.location());
        String account = EngineUploads.accountId(options.subscription(), options.location());
        String description = "jcloud cluster " + cluster.name() + " (" + cluster.id() + "): its controller reads the"
                + " engines and signs read-only URLs for them (user delegation SAS) for the workers it starts";
        assign(
                container,
                readerAssignmentName(container, cluster.id()),
                STORAGE_BLOB_DATA_READER,
                controllerPrincipal,
                description);
        assign(
                account,
                delegatorAssignmentName(account, cluster.id()),
                STORAGE_BLOB_DELEGATOR,
                controllerPrincipal,
                description);
    }

    private void assign(String scope, String name, String role, String principal, String description) {
        try {
            azure.authorization()
                    .getRoleAssignments()
                    .create(
                            scope,
                            name,
                            new RoleAssignmentCreateParameters()
                                    .withRoleDefinitionId(roleDefinitionId(role))
                                    .withPrincipalId(principal)
                                    .withPrincipalType(PrincipalType.SERVICE_PRINCIPAL)
                                    .withDescription(description));
        } catch (ManagementException e) {
            if (!Lro.codes(e).contains("RoleAssignmentExists")) {
                throw e;
            }
        }
    }

    private String roleDefinitionId(String role) {
        return "/subscriptions/" + options.subscription() + "/providers/Microsoft.Authorization/roleDefinitions/"
                + role;
    }

    /**
     * Removes the cluster's grants (and an older version's Reader and Data Access). An identity that
     * may not (the controller itself, at idle teardown) leaves them, naming them: the identity is
     * deleted with the cluster, so they grant nothing, and {@code cluster gc} removes them.
     */
    void revoke(ClusterContext cluster) {
        String container = containerId(options.subscription(), options.location());
        String account = EngineUploads.accountId(options.subscription(), options.location());
        List<String> left = new ArrayList<>();
        for (String[] grant : List.of(
                new String[] {container, readerAssignmentName(container, cluster.id())},
                new String[] {account, delegatorAssignmentName(account, cluster.id())},
                new String[] {account, readerAssignmentName(account, cluster.id())})) {
            try {
                azure.authorization().getRoleAssignments().delete(grant[0], grant[1]);
            } catch (ManagementException e) {
                if (Lro.notFound(e)) {
                    continue;
                }
                if (!Lro.codes(e).contains("AuthorizationFailed")) {
                    throw e;
                }
                left.add(grant[0] + "/providers/Microsoft.Authorization/roleAssignments/" + grant[1]);
            }
        }
        if (!left.isEmpty()) {
            LOG.warn(
                    "{}: may not remove the role assignment(s) on the engine cache {}: the cluster's identity is"
                            + " deleted with it, so they grant nothing; 'jcloud cluster gc --provider azure --delete' or"
                            + " 'az role assignment delete --ids ...' removes them",
                    cluster.name(),
                    left);
        }
    }

    /**
     * jcloud's grants on the engine caches of the subscription (every location) whose cluster has no
     * resource group any more (or one in {@code doomed}, which this gc deletes), or whose principal is
     * not that cluster's controller identity any more; deleted unless {@code dryRun}. A grant is
     * jcloud's when its role is one of those above and its description says so; its cluster is the one
     * whose deterministic assignment name it carries.
     */
    List<GcReport.Item> collectOrphans(Set<String> doomed, boolean dryRun) {
        // Grants first, groups second: a grant made after the first listing belongs to a cluster whose
        // group already exists (bootstrap makes the group, then the identity, then the grants), so the
        // second listing sees it and a cluster being created does not lose its grant.
        List<RoleAssignmentInner> grants = new ArrayList<>();
        for (ResourceGroupInner group : azure.resources()
                .getResourceGroups()
                .list("tagName eq '" + EngineUploads.SHARED_TAG + "'", null, Context.NONE)) {
            String location = group.location();
            if (!group.name().equalsIgnoreCase(EngineUploads.group(location))) {
                continue;
            }
            grants.addAll(jcloudGrantsAt(containerId(options.subscription(), location)));
            grants.addAll(jcloudGrantsAt(EngineUploads.accountId(options.subscription(), location)));
        }
        if (grants.isEmpty()) {
            return List.of();
        }
        Map<String, String> liveGroups = new HashMap<>(); // cluster id -> its group
        for (ResourceGroupInner group :
                azure.resources().getResourceGroups().list(AzureGarbageCollector.JCLOUD_TAGGED, null, Context.NONE)) {
            String id = AzureTags.get(group.tags(), ClusterContext.ID_TAG);
            if (id != null && !doomed.contains(id)) {
                liveGroups.put(id, group.name());
            }
        }
        Map<String, String> principals = new HashMap<>(); // group -> its controller's principal, "" when none
        List<GcReport.Item> items = new ArrayList<>();
        for (RoleAssignmentInner grant : grants) {
            String owner = liveGroups.keySet().stream()
                    .filter(id -> isGrantOf(grant, id))
                    .findFirst()
                    .orElse(null);
            if (owner != null
                    && grant.principalId()
                            .equalsIgnoreCase(
                                    principals.computeIfAbsent(liveGroups.get(owner), this::controllerPrincipal))) {
                continue;
            }
            Matcher m = DESCRIPTION.matcher(grant.description());
            String clusterName = m.find() ? m.group(1) : null;
            String clusterId =
                    owner != null ? owner : clusterName != null && m.group(2) != null ? m.group(2) : "unknown";
            items.add(new GcReport.Item(clusterName, clusterId, "role-assignment", grant.id()));
        }
        if (!dryRun) {
            for (GcReport.Item item : items) {
                LOG.info(
                        "gc: deleting role assignment {} on the engine cache (cluster {}, {})",
                        item.id(),
                        item.clusterName(),
                        item.clusterId());
                try {
                    azure.authorization().getRoleAssignments().deleteById(item.id());
                } catch (ManagementException e) {
                    if (!Lro.notFound(e)) {
                        throw e;
                    }
                }
            }
        }
        return items;
    }

    private List<RoleAssignmentInner> jcloudGrantsAt(String scope) {
        List<RoleAssignmentInner> out = new ArrayList<>();
        try {
            for (RoleAssignmentInner r : azure.authorization()
                    .getRoleAssignments()
                    .listForScope(scope, "atScope()", null, null, Context.NONE)) {
                String role = AzureNames.lastSegment(String.valueOf(r.roleDefinitionId()))
                        .toLowerCase(Locale.ROOT);
                if (scope.equalsIgnoreCase(r.scope())
                        && r.description() != null
                        && DESCRIPTION.matcher(r.description()).find()
                        && List.of(STORAGE_BLOB_DATA_READER, STORAGE_BLOB_DELEGATOR, LEGACY_READER_AND_DATA_ACCESS)
                                .contains(role)) {
                    out.add(r);
                }
            }
        } catch (ManagementException e) {
            if (!Lro.notFound(e)) { // no account or container (yet): no grants on it
                throw e;
            }
        }
        return out;
    }

    private static boolean isGrantOf(RoleAssignmentInner grant, String clusterId) {
        String scope = grant.scope();
        return grant.name().equalsIgnoreCase(readerAssignmentName(scope, clusterId))
                || grant.name().equalsIgnoreCase(delegatorAssignmentName(scope, clusterId));
    }

    private String controllerPrincipal(String group) {
        IdentityInner identity = Lro.orNull(() ->
                azure.msi().getUserAssignedIdentities().getByResourceGroup(group, AzureNames.CONTROLLER_IDENTITY));
        return identity == null || identity.principalId() == null
                ? ""
                : identity.principalId().toString();
    }
}
