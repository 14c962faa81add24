package dev.jcloud.providers.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The resources of the fake Resource Manager and what Azure does with them, written from the REST
 * API reference: resource groups (deleting one deletes everything under it), virtual networks with
 * subnets, network security groups (with Azure's default rules), application security groups,
 * public IP addresses, NICs (private addresses from the subnet, references checked, in-use checks
 * on delete), VMs (custom data checked and never returned, OS disk created, NIC/disk delete options
 * honoured, instance view on request), managed disks, user-assigned identities and role
 * assignments, Key Vaults (names globally unique, access policies, soft delete: a vault whose group
 * is deleted stays as a deleted vault, secrets and name kept, until purged) and their secrets. Ids
 * are case-insensitive, as in Azure. Not thread-safe: the server serializes calls.
 */
final class ArmState {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GROUP_NAME = Pattern.compile("[-\\w._()]{1,90}");
    private static final Pattern RESOURCE_NAME =
            Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,78}[A-Za-z0-9_]|[A-Za-z0-9]");
    private static final String FORBIDDEN_TAG_CHARS = "<>%&\\?/";

    /** An ARM error answer: HTTP status, error code and message. */
    static final class ArmError extends RuntimeException {
        final int status;
        final String code;

        /** Seconds for a Retry-After header, or 0 for none. */
        final int retryAfter;

        ArmError(int status, String code, String message) {
            this(status, code, message, 0);
        }

        ArmError(int status, String code, String message, int retryAfter) {
            super(message);
            this.status = status;
            this.code = code;
            this.retryAfter = retryAfter;
        }

        ObjectNode body() {
            ObjectNode e = JSON.createObjectNode();
            ObjectNode error = e.putObject("error");
            error.put("code", code);
            error.put("message", getMessage());
            error.putArray("details");
            return e;
        }
    }

    /** Canonical type names by lower-case {@code namespace/type}: the resource types this fake serves. */
    static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("microsoft.network/virtualnetworks", "Microsoft.Network/virtualNetworks"),
            Map.entry("microsoft.network/networksecuritygroups", "Microsoft.Network/networkSecurityGroups"),
            Map.entry("microsoft.network/applicationsecuritygroups", "Microsoft.Network/applicationSecurityGroups"),
            Map.entry("microsoft.network/publicipaddresses", "Microsoft.Network/publicIPAddresses"),
            Map.entry("microsoft.network/networkinterfaces", "Microsoft.Network/networkInterfaces"),
            Map.entry("microsoft.compute/virtualmachines", "Microsoft.Compute/virtualMachines"),
            Map.entry("microsoft.compute/disks", "Microsoft.Compute/disks"),
            Map.entry(
                    "microsoft.managedidentity/userassignedidentities",
                    "Microsoft.ManagedIdentity/userAssignedIdentities"),
            Map.entry("microsoft.authorization/roleassignments", "Microsoft.Authorization/roleAssignments"),
            Map.entry("microsoft.keyvault/vaults", "Microsoft.KeyVault/vaults"),
            Map.entry("microsoft.storage/storageaccounts", "Microsoft.Storage/storageAccounts"));

    /** Every resource (groups included) by lower-case id, in creation order. */
    final Map<String, ObjectNode> resources = new LinkedHashMap<>();
    /** When a data plane first looked at each role assignment (by key of its id), in epoch milliseconds. */
    private final Map<String, Long> firstSeen = new HashMap<>();
    /**
     * How long a role assignment takes to reach the data planes (Blob storage), counted from the
     * first request it would allow, so that a test sees at least one refusal however slow the
     * machine; 0: at once.
     */
    long dataPlaneRoleDelayMillis;

    final Set<String> principals = new HashSet<>();
    /** Soft-deleted vaults (Azure's deletedVaults view) by lower-case name: the name stays taken until purged. */
    final Map<String, ObjectNode> deletedVaults = new LinkedHashMap<>();
    /** Each vault's secrets by lower-case vault name, then secret name, then version: values, newest last. */
    final Map<String, Map<String, LinkedHashMap<String, String>>> secrets = new HashMap<>();

    private static final Pattern VAULT_NAME = Pattern.compile("(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]");
    static final String VAULT_TYPE = "Microsoft.KeyVault/vaults";
    static final String STORAGE_TYPE = "Microsoft.Storage/storageAccounts";
    /** Each storage account's two keys by lower-case name. */
    final Map<String, List<String>> storageKeys = new HashMap<>();
    /**
     * The user delegation keys handed out (Get User Delegation Key), by signed object id, start, expiry
     * and version: the fake recomputes user delegation SAS signatures with them.
     */
    final Map<String, String> delegationKeys = new HashMap<>();
    /** Blob containers by lower-case {@code account/container}: their public access level. */
    final Map<String, ObjectNode> containers = new LinkedHashMap<>();
    /** Committed blobs by lower-case {@code account/container} then blob name. */
    final Map<String, Map<String, byte[]>> blobs = new HashMap<>();
    /** Uncommitted blocks (Put Block) by {@code account/container/blob}, then block id. */
    final Map<String, Map<String, byte[]>> blocks = new HashMap<>();

    final Map<String, String> serialLogs = new HashMap<>();
    final String tenant = UUID.randomUUID().toString();
    private final Map<String, Integer> nextAddress = new HashMap<>();
    private int nextPublicAddress = 10;

    static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }

    ObjectNode get(String id) {
        return resources.get(key(id));
    }

    static String groupId(String sub, String group) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group;
    }

    // ---- resource groups ----

    ObjectNode group(String sub, String name) {
        ObjectNode g = get(groupId(sub, name));
        if (g == null) {
            throw new ArmError(404, "ResourceGroupNotFound", "Resource group '" + name + "' could not be found.");
        }
        return g;
    }

    /** PUT of a resource group: 201 when created, 200 when updated. */
    int putGroup(String sub, String name, JsonNode body) {
        if (!GROUP_NAME.matcher(name).matches() || name.endsWith(".")) {
            throw new ArmError(
                    400,
                    "InvalidResourceGroup",
                    "The provided resource group name '" + name + "' has these" + " invalid characters or length.");
        }
        String location = location(body);
        ObjectNode existing = get(groupId(sub, name));
        if (existing != null) {
            if (!existing.path("location").asText().equals(location)) {
                throw new ArmError(
                        409,
                        "InvalidResourceGroupLocation",
                        "Invalid resource group location '" + location
                                + "'. The Resource group already exists in location '"
                                + existing.path("location").asText() + "'.");
            }
            if ("Deleting"
                    .equals(existing.path("properties")
                            .path("provisioningState")
                            .asText())) {
                throw new ArmError(
                        409,
                        "ResourceGroupBeingDeleted",
                        "The resource group '" + name + "' is in deprovisioning"
                                + " state and cannot perform this operation.");
            }
        }
        ObjectNode g = JSON.createObjectNode();
        g.put("id", groupId(sub, existing != null ? existing.get("name").asText() : name));
        g.put("name", existing != null ? existing.get("name").asText() : name);
        g.put("type", "Microsoft.Resources/resourceGroups");
        g.put("location", location);
        g.set("tags", tags(body));
        g.putObject("properties").put("provisioningState", "Succeeded");
        resources.put(key(g.get("id").asText()), g);
        return existing == null ? 201 : 200;
    }

    /** Removes the group and everything whose id lies under it (role assignments at its scope included). */
    void removeGroup(String groupId) {
        String prefix = key(groupId) + "/";
        for (Map.Entry<String, ObjectNode> e : resources.entrySet()) {
            if (e.getKey().startsWith(prefix)
                    && VAULT_TYPE.equals(e.getValue().path("type").asText())) {
                softDelete(e.getValue());
            }
        }
        resources.keySet().removeIf(k -> k.equals(key(groupId)) || k.startsWith(prefix));
    }

    // ---- resources in a group ----

    static String resourceId(String sub, String group, String type, String name) {
        return groupId(sub, group) + "/providers/" + type + "/" + name;
    }

    /**
     * Builds the resource a PUT asks for, after ARM's checks; the caller stores it and, for
     * long-running types, finishes it when its operation completes.
     */
    ObjectNode prepare(String sub, String groupName, String typeKey, String name, JsonNode body) {
        ObjectNode group = group(sub, groupName);
        if ("Deleting".equals(group.path("properties").path("provisioningState").asText())) {
            throw new ArmError(
                    409,
                    "ResourceGroupBeingDeleted",
                    "The resource group '" + groupName + "' is in"
                            + " deprovisioning state and cannot perform this operation.");
        }
        if (!RESOURCE_NAME.matcher(name).matches()) {
            throw new ArmError(400, "InvalidResourceName", "Resource name " + name + " is invalid.");
        }
        String type = TYPES.get(typeKey);
        String id = resourceId(sub, group.get("name").asText(), type, name);
        ObjectNode existing = get(id);
        ObjectNode r = JSON.createObjectNode();
        r.put("id", existing != null ? existing.get("id").asText() : id);
        r.put("name", existing != null ? existing.get("name").asText() : name);
        r.put("type", type);
        if (!typeKey.equals("microsoft.authorization/roleassignments")) {
            r.put("location", location(body));
            r.set("tags", tags(body));
        }
        ObjectNode properties = body.has("properties") && body.get("properties").isObject()
                ? ((ObjectNode) body.get("properties")).deepCopy()
                : JSON.createObjectNode();
        r.set("properties", properties);
        switch (typeKey) {
            case "microsoft.network/virtualnetworks" -> vnet(r, properties);
            case "microsoft.network/networksecuritygroups" -> nsg(r, properties);
            case "microsoft.network/applicationsecuritygroups" ->
                properties.put("resourceGuid", UUID.randomUUID().toString());
            case "microsoft.network/publicipaddresses" -> publicIp(r, body, properties, existing);
            case "microsoft.network/networkinterfaces" -> nic(r, properties, existing);
            case "microsoft.compute/virtualmachines" -> vm(r, body, properties, existing);
            case "microsoft.managedidentity/userassignedidentities" -> identity(properties, existing);
            case "microsoft.keyvault/vaults" -> vault(name, properties, existing);
            case "microsoft.storage/storageaccounts" -> storageAccount(name, r, body, properties, existing);
            case "microsoft.compute/disks" ->
                throw new ArmError(400, "InvalidParameter", "this fake creates disks only as a VM's OS disk");
            default ->
                throw new ArmError(400, "InvalidResourceType", "The resource type '" + type + "' is not supported.");
        }
        properties.put("provisioningState", "Succeeded");
        return r;
    }

    private void vnet(ObjectNode r, ObjectNode p) {
        JsonNode prefixes = p.path("addressSpace").path("addressPrefixes");
        if (!prefixes.isArray() || prefixes.isEmpty()) {
            throw new ArmError(
                    400, "InvalidRequestFormat", "Cannot parse the request: addressSpace.addressPrefixes is required.");
        }
        ArrayNode subnets = p.has("subnets") ? (ArrayNode) p.get("subnets") : p.putArray("subnets");
        for (JsonNode s : subnets) {
            ObjectNode subnet = (ObjectNode) s;
            if (!subnet.hasNonNull("name") || !subnet.path("properties").hasNonNull("addressPrefix")) {
                throw new ArmError(
                        400,
                        "InvalidRequestFormat",
                        "Cannot parse the request: a subnet needs a name and an" + " addressPrefix.");
            }
            subnet.put(
                    "id",
                    r.get("id").asText() + "/subnets/" + subnet.get("name").asText());
            subnet.put("type", "Microsoft.Network/virtualNetworks/subnets");
            ((ObjectNode) subnet.get("properties")).put("provisioningState", "Succeeded");
        }
    }

    private void nsg(ObjectNode r, ObjectNode p) {
        Map<String, String> priorities = new HashMap<>();
        ArrayNode rules = p.has("securityRules") ? (ArrayNode) p.get("securityRules") : p.putArray("securityRules");
        for (JsonNode node : rules) {
            ObjectNode rule = (ObjectNode) node;
            JsonNode rp = rule.path("properties");
            String name = rule.path("name").asText("");
            int priority = rp.path("priority").asInt(-1);
            if (name.isEmpty()
                    || priority < 100
                    || priority > 4096
                    || !rp.hasNonNull("direction")
                    || !rp.hasNonNull("access")
                    || !rp.hasNonNull("protocol")) {
                throw new ArmError(
                        400,
                        "SecurityRuleInvalidParameter",
                        "Security rule " + name + " needs a name, a priority"
                                + " from 100 to 4096, a direction, an access and a protocol.");
            }
            String slot = rp.get("direction").asText() + "/" + priority;
            if (priorities.put(slot, name) != null) {
                throw new ArmError(
                        400,
                        "SecurityRulesConflict",
                        "Security rules " + priorities.get(slot) + " and " + name
                                + " have the same priority and direction.");
            }
            for (String f : List.of("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups")) {
                for (JsonNode asg : rp.path(f)) {
                    requireExists(asg.path("id").asText(), r.get("id").asText());
                }
            }
            rule.put("id", r.get("id").asText() + "/securityRules/" + name);
            rule.put("type", "Microsoft.Network/networkSecurityGroups/securityRules");
            ((ObjectNode) rp).put("provisioningState", "Succeeded");
        }
        ArrayNode defaults = p.putArray("defaultSecurityRules");
        defaultRule(defaults, r, "AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork");
        defaultRule(defaults, r, "AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*");
        defaultRule(defaults, r, "DenyAllInBound", 65500, "Inbound", "Deny", "*", "*");
        defaultRule(defaults, r, "AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork");
        defaultRule(defaults, r, "AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet");
        defaultRule(defaults, r, "DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*");
    }

    private static void defaultRule(
            ArrayNode out,
            ObjectNode nsg,
            String name,
            int priority,
            String direction,
            String access,
            String source,
            String destination) {
        ObjectNode rule = out.addObject();
        rule.put("id", nsg.get("id").asText() + "/defaultSecurityRules/" + name);
        rule.put("name", name);
        ObjectNode p = rule.putObject("properties");
        p.put("protocol", "*")
                .put("sourcePortRange", "*")
                .put("destinationPortRange", "*")
                .put("sourceAddressPrefix", source)
                .put("destinationAddressPrefix", destination)
                .put("access", access)
                .put("priority", priority)
                .put("direction", direction)
                .put("provisioningState", "Succeeded");
    }

    private void publicIp(ObjectNode r, JsonNode body, ObjectNode p, ObjectNode existing) {
        r.set(
                "sku",
                body.has("sku")
                        ? body.get("sku").deepCopy()
                        : JSON.createObjectNode().put("name", "Basic"));
        boolean standard =
                "Standard".equalsIgnoreCase(r.path("sku").path("name").asText());
        String method = p.path("publicIPAllocationMethod").asText("Dynamic");
        if (standard && !method.equalsIgnoreCase("Static")) {
            throw new ArmError(
                    400,
                    "StandardSkuPublicIPAddressesCannotBeDynamic",
                    "Standard sku publicIp " + r.get("name").asText() + " must have AllocationMethod set to Static.");
        }
        if (existing != null && existing.path("properties").has("ipAddress")) {
            p.set("ipAddress", existing.path("properties").get("ipAddress"));
            if (existing.path("properties").has("ipConfiguration")) {
                p.set("ipConfiguration", existing.path("properties").get("ipConfiguration"));
            }
        } else if (method.equalsIgnoreCase("Static")) {
            // TEST-NET-3 (RFC 5737): documentation addresses that nothing routes to.
            p.put("ipAddress", "203.0.113." + nextPublicAddress++);
        }
    }

    private void nic(ObjectNode r, ObjectNode p, ObjectNode existing) {
        JsonNode configs = p.path("ipConfigurations");
        if (!configs.isArray() || configs.isEmpty()) {
            throw new ArmError(
                    400,
                    "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                    "Network interface " + r.get("name").asText() + " must have at least one IP configuration.");
        }
        if (p.path("networkSecurityGroup").hasNonNull("id")) {
            requireExists(
                    p.path("networkSecurityGroup").path("id").asText(),
                    r.get("id").asText());
        }
        int index = 0;
        for (JsonNode c : configs) {
            ObjectNode config = (ObjectNode) c;
            ObjectNode cp = (ObjectNode) config.path("properties");
            String subnetId = cp.path("subnet").path("id").asText("");
            ObjectNode subnet = subnet(subnetId);
            if (subnet == null) {
                throw new ArmError(
                        400,
                        "InvalidResourceReference",
                        "Resource " + subnetId + " referenced by resource "
                                + r.get("id").asText()
                                + " was not found. Please make sure that the referenced resource exists,"
                                + " and that both resources are in the same region.");
            }
            ObjectNode vnet =
                    get(subnetId.substring(0, subnetId.toLowerCase(Locale.ROOT).indexOf("/subnets/")));
            if (!vnet.path("location").asText().equals(r.path("location").asText())) {
                throw new ArmError(
                        400,
                        "InvalidResourceReference",
                        "Resource " + subnetId + " referenced by resource "
                                + r.get("id").asText()
                                + " was not found. Please make sure that the referenced resource exists,"
                                + " and that both resources are in the same region.");
            }
            for (JsonNode asg : cp.path("applicationSecurityGroups")) {
                requireExists(asg.path("id").asText(), r.get("id").asText());
            }
            String configId = r.get("id").asText() + "/ipConfigurations/"
                    + config.path("name").asText("ipconfig" + index);
            config.put("id", configId);
            String pipId = cp.path("publicIPAddress").path("id").asText(null);
            if (pipId != null) {
                ObjectNode pip = requireExists(pipId, r.get("id").asText());
                String user = pip.path("properties")
                        .path("ipConfiguration")
                        .path("id")
                        .asText(null);
                if (user != null && !key(user).startsWith(key(r.get("id").asText()) + "/")) {
                    throw new ArmError(
                            400, "PublicIPAddressInUse", "Resource " + pipId + " is already in use by " + user);
                }
                ((ObjectNode) pip.get("properties"))
                        .putObject("ipConfiguration")
                        .put("id", configId);
            }
            String previous = existing == null
                    ? null
                    : existing.path("properties")
                            .path("ipConfigurations")
                            .path(index)
                            .path("properties")
                            .path("privateIPAddress")
                            .asText(null);
            cp.put("privateIPAddress", previous != null ? previous : allocate(subnetId, subnet));
            cp.put(
                    "privateIPAllocationMethod",
                    cp.path("privateIPAllocationMethod").asText("Dynamic"));
            cp.put("provisioningState", "Succeeded");
            index++;
        }
        if (existing != null && existing.path("properties").has("virtualMachine")) {
            p.set("virtualMachine", existing.path("properties").get("virtualMachine"));
        }
        p.put(
                "macAddress",
                String.format("00-0D-3A-%02X-%02X-%02X", index, resources.size() % 256, nextPublicAddress % 256));
        p.put("resourceGuid", UUID.randomUUID().toString());
    }

    private ObjectNode subnet(String subnetId) {
        int at = subnetId.toLowerCase(Locale.ROOT).indexOf("/subnets/");
        if (at < 0) {
            return null;
        }
        ObjectNode vnet = get(subnetId.substring(0, at));
        if (vnet == null) {
            return null;
        }
        String name = subnetId.substring(at + "/subnets/".length());
        for (JsonNode s : vnet.path("properties").path("subnets")) {
            if (s.path("name").asText().equalsIgnoreCase(name)) {
                return (ObjectNode) s;
            }
        }
        return null;
    }

    /** The next free address of the subnet; Azure keeps the first four of each subnet for itself. */
    private String allocate(String subnetId, ObjectNode subnet) {
        String prefix = subnet.path("properties").path("addressPrefix").asText();
        String[] octets = prefix.substring(0, prefix.indexOf('/')).split("\\.");
        long base = 0;
        for (String o : octets) {
            base = (base << 8) | Integer.parseInt(o);
        }
        int n = nextAddress.merge(key(subnetId), 1, Integer::sum);
        long a = base + 3 + n;
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }

    private void vm(ObjectNode r, JsonNode body, ObjectNode p, ObjectNode existing) {
        if (body.has("identity")) {
            ObjectNode identity = body.get("identity").deepCopy();
            JsonNode assigned = identity.path("userAssignedIdentities");
            Iterator<String> ids = assigned.fieldNames();
            while (ids.hasNext()) {
                String id = ids.next();
                ObjectNode uai = get(id);
                if (uai == null) {
                    throw new ArmError(400, "FailedIdentityOperation", "Identity (" + id + ") not found.");
                }
                ((ObjectNode) assigned.get(id))
                        .put(
                                "principalId",
                                uai.path("properties").path("principalId").asText())
                        .put("clientId", uai.path("properties").path("clientId").asText());
            }
            r.set("identity", identity);
        }
        if (!p.path("hardwareProfile").hasNonNull("vmSize")) {
            throw new ArmError(
                    400, "InvalidParameter", "Required parameter 'hardwareProfile.vmSize' is missing (null).");
        }
        String priority = p.path("priority").asText("Regular");
        if (existing != null
                && !existing.path("properties")
                        .path("priority")
                        .asText("Regular")
                        .equalsIgnoreCase(priority)) {
            throw new ArmError(409, "PropertyChangeNotAllowed", "Changing property 'priority' is not allowed.");
        }
        if (priority.equalsIgnoreCase("Spot") && !p.hasNonNull("evictionPolicy")) {
            throw new ArmError(400, "InvalidParameter", "Eviction policy must be specified for Spot priority VMs.");
        }
        ObjectNode os = (ObjectNode) p.path("osProfile");
        if (!os.hasNonNull("adminUsername") || !os.hasNonNull("computerName")) {
            throw new ArmError(
                    400,
                    "InvalidParameter",
                    "Required parameter 'osProfile.adminUsername' or" + " 'osProfile.computerName' is missing (null).");
        }
        if (os.path("computerName").asText().length() > 64) {
            throw new ArmError(400, "InvalidParameter", "Linux host name cannot exceed 64 characters in length.");
        }
        JsonNode linux = os.path("linuxConfiguration");
        if (linux.path("disablePasswordAuthentication").asBoolean(false)
                && linux.path("ssh").path("publicKeys").isEmpty()) {
            throw new ArmError(
                    400,
                    "InvalidParameter",
                    "Authentication using either SSH or by user name and password"
                            + " must be enabled in Linux profile.");
        }
        if (os.has("customData")) {
            try {
                byte[] data = Base64.getDecoder().decode(os.get("customData").asText());
                if (data.length > 65_535) {
                    throw new IllegalArgumentException("too long");
                }
            } catch (IllegalArgumentException e) {
                throw new ArmError(
                        400,
                        "InvalidParameter",
                        "Custom data in OSProfile must be in Base64 encoding and with a"
                                + " maximum length of 87380 characters.");
            }
        }
        for (JsonNode ref : p.path("networkProfile").path("networkInterfaces")) {
            String nicId = ref.path("id").asText();
            ObjectNode nic = get(nicId);
            if (nic == null) {
                throw new ArmError(404, "NotFound", "Resource " + nicId + " not found.");
            }
            String user =
                    nic.path("properties").path("virtualMachine").path("id").asText(null);
            if (user != null && !key(user).equals(key(r.get("id").asText()))) {
                throw new ArmError(
                        400,
                        "NicInUse",
                        "Network Interface " + nicId + " is used by existing resource " + user
                                + ". In order to delete the network interface, it must be dissociated from the resource.");
            }
        }
        JsonNode disk = p.path("storageProfile").path("osDisk");
        if (!p.path("storageProfile").hasNonNull("imageReference") || !disk.hasNonNull("createOption")) {
            throw new ArmError(
                    400,
                    "InvalidParameter",
                    "Required parameter 'storageProfile.imageReference' or"
                            + " 'osDisk.createOption' is missing (null).");
        }
        p.put(
                "vmId",
                existing != null
                        ? existing.path("properties").path("vmId").asText()
                        : UUID.randomUUID().toString());
        p.put("timeCreated", Instant.now().toString());
        p.put("priority", priority);
    }

    private void identity(ObjectNode p, ObjectNode existing) {
        String principal = existing != null
                ? existing.path("properties").path("principalId").asText()
                : UUID.randomUUID().toString();
        p.put("tenantId", tenant);
        p.put("principalId", principal);
        p.put(
                "clientId",
                existing != null
                        ? existing.path("properties").path("clientId").asText()
                        : UUID.randomUUID().toString());
        principals.add(principal);
    }

    // ---- storage accounts ----

    private void storageAccount(String name, ObjectNode r, JsonNode body, ObjectNode p, ObjectNode existing) {
        if (!name.matches("[a-z0-9]{3,24}")) {
            throw new ArmError(
                    400,
                    "AccountNameInvalid",
                    name + " is not a valid storage account name. Storage account"
                            + " name must be between 3 and 24 characters in length and use numbers and lower-case letters only.");
        }
        if (existing == null) {
            for (ObjectNode other : resources.values()) {
                if (STORAGE_TYPE.equals(other.path("type").asText())
                        && other.path("name").asText().equals(name)) {
                    throw new ArmError(
                            409,
                            "StorageAccountAlreadyTaken",
                            "The storage account named " + name + " is already taken.");
                }
            }
        }
        if (!body.path("sku").path("name").isTextual() || !body.path("kind").isTextual()) {
            throw new ArmError(400, "InvalidRequestContent", "sku.name and kind are required.");
        }
        r.set("sku", body.get("sku").deepCopy());
        r.put("kind", body.get("kind").asText());
        p.put("creationTime", Instant.now().toString());
        p.put("primaryLocation", r.path("location").asText());
        p.put("statusOfPrimary", "available");
        if (!storageKeys.containsKey(name)) {
            java.security.SecureRandom random = new java.security.SecureRandom();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                byte[] k = new byte[64];
                random.nextBytes(k);
                keys.add(Base64.getEncoder().encodeToString(k));
            }
            storageKeys.put(name, keys);
        }
    }

    // ---- Key Vault ----

    private void vault(String name, ObjectNode p, ObjectNode existing) {
        if (!VAULT_NAME.matcher(name).matches()) {
            throw new ArmError(
                    400,
                    "VaultNameNotValid",
                    "The vault name '" + name + "' is invalid. A vault's name must be"
                            + " between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit,"
                            + " and not contain consecutive hyphens.");
        }
        if (existing == null) {
            if (deletedVaults.containsKey(key(name))) {
                throw new ArmError(
                        409,
                        "ConflictError",
                        "A vault with the same name already exists in deleted state. You"
                                + " need to either recover or purge existing key vault.");
            }
            for (ObjectNode other : resources.values()) {
                if (VAULT_TYPE.equals(other.path("type").asText())
                        && other.path("name").asText().equalsIgnoreCase(name)) {
                    throw new ArmError(
                            409,
                            "VaultAlreadyExists",
                            "The vault name '" + name + "' is already in use. Vault"
                                    + " names are globally unique so it is possible that the name is already taken.");
                }
            }
        }
        if (!p.hasNonNull("tenantId")) {
            throw new ArmError(400, "BadRequest", "The parameter properties.tenantId is required.");
        }
        JsonNode sku = p.path("sku");
        if (!sku.path("family").asText().equals("A")
                || !Set.of("standard", "premium").contains(sku.path("name").asText())) {
            throw new ArmError(400, "BadRequest", "Invalid sku: family must be 'A' and name 'standard' or 'premium'.");
        }
        if (!p.path("enableRbacAuthorization").asBoolean(false)) {
            if (!p.path("accessPolicies").isArray()) {
                throw new ArmError(
                        400,
                        "BadRequest",
                        "The parameter accessPolicies is required when the vault does not use"
                                + " RBAC authorization.");
            }
            p.path("accessPolicies").forEach(ArmState::checkPolicy);
        }
        int retention = p.path("softDeleteRetentionInDays").asInt(90);
        if (retention < 7 || retention > 90) {
            throw new ArmError(400, "BadRequest", "softDeleteRetentionInDays must be between 7 and 90.");
        }
        if (p.has("enableSoftDelete") && !p.get("enableSoftDelete").asBoolean()) {
            throw new ArmError(400, "BadRequest", "The property \"enableSoftDelete\" cannot be set to false.");
        }
        p.put("enableSoftDelete", true);
        p.put("softDeleteRetentionInDays", retention);
        p.put("vaultUri", "https://" + name.toLowerCase(Locale.ROOT) + ".vault.azure.net/");
        secrets.putIfAbsent(key(name), new LinkedHashMap<>());
    }

    private static void checkPolicy(JsonNode policy) {
        if (!policy.hasNonNull("tenantId")
                || !policy.hasNonNull("objectId")
                || !policy.path("permissions").isObject()) {
            throw new ArmError(400, "BadRequest", "An access policy needs tenantId, objectId and permissions.");
        }
    }

    /**
     * An access policy update ({@code add}, {@code replace} or {@code remove}): policies are matched
     * by tenant and object id; {@code remove} takes the listed permissions away and drops a policy left
     * with none.
     */
    ObjectNode updateAccessPolicies(ObjectNode vault, String kind, JsonNode body) {
        JsonNode given = body.path("properties").path("accessPolicies");
        if (!given.isArray()) {
            throw new ArmError(400, "BadRequest", "properties.accessPolicies is required.");
        }
        ArrayNode policies = (ArrayNode) vault.path("properties").path("accessPolicies");
        for (JsonNode g : given) {
            checkPolicy(g);
            ObjectNode match = policyOf(policies, g);
            switch (kind.toLowerCase(Locale.ROOT)) {
                case "add" -> {
                    if (match == null) {
                        policies.add(g.deepCopy());
                    } else {
                        g.path("permissions").fields().forEachRemaining(e -> {
                            Set<String> union =
                                    permissionSet(match.path("permissions").path(e.getKey()));
                            union.addAll(permissionSet(e.getValue()));
                            ArrayNode out = ((ObjectNode) match.get("permissions")).putArray(e.getKey());
                            union.forEach(out::add);
                        });
                    }
                }
                case "replace" -> {
                    if (match != null) {
                        match.set("permissions", g.get("permissions").deepCopy());
                    } else {
                        policies.add(g.deepCopy());
                    }
                }
                case "remove" -> {
                    if (match != null) {
                        ObjectNode perms = (ObjectNode) match.get("permissions");
                        g.path("permissions").fields().forEachRemaining(e -> {
                            Set<String> left = permissionSet(perms.path(e.getKey()));
                            left.removeAll(permissionSet(e.getValue()));
                            ArrayNode out = perms.putArray(e.getKey());
                            left.forEach(out::add);
                        });
                        boolean empty = true;
                        for (JsonNode list : perms) {
                            empty &= list.isEmpty();
                        }
                        if (empty) {
                            for (int i = 0; i < policies.size(); i++) {
                                if (policies.get(i) == match) {
                                    policies.remove(i);
                                    break;
                                }
                            }
                        }
                    }
                }
                default -> throw new ArmError(400, "BadRequest", "Unknown access policy update kind '" + kind + "'.");
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("id", vault.get("id").asText() + "/accessPolicies/" + kind.toLowerCase(Locale.ROOT));
        out.put("name", kind.toLowerCase(Locale.ROOT));
        out.put("type", "Microsoft.KeyVault/vaults/accessPolicies");
        out.put("location", vault.path("location").asText());
        out.putObject("properties").set("accessPolicies", policies.deepCopy());
        return out;
    }

    private static ObjectNode policyOf(ArrayNode policies, JsonNode like) {
        for (JsonNode p : policies) {
            if (p.path("objectId")
                            .asText()
                            .equalsIgnoreCase(like.path("objectId").asText())
                    && p.path("tenantId")
                            .asText()
                            .equalsIgnoreCase(like.path("tenantId").asText())) {
                return (ObjectNode) p;
            }
        }
        return null;
    }

    private static Set<String> permissionSet(JsonNode list) {
        Set<String> out = new java.util.LinkedHashSet<>();
        list.forEach(p -> out.add(p.asText().toLowerCase(Locale.ROOT)));
        return out;
    }

    /** Whether the vault's access policies give {@code objectId} the secrets permission {@code permission}. */
    static boolean allowed(ObjectNode vault, String objectId, String permission) {
        for (JsonNode p : vault.path("properties").path("accessPolicies")) {
            if (p.path("objectId").asText().equalsIgnoreCase(objectId)
                    && permissionSet(p.path("permissions").path("secrets"))
                            .contains(permission.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** The vault (not deleted) of that name, or null. */
    ObjectNode vaultNamed(String name) {
        for (ObjectNode r : resources.values()) {
            if (VAULT_TYPE.equals(r.path("type").asText())
                    && r.path("name").asText().equalsIgnoreCase(name)) {
                return r;
            }
        }
        return null;
    }

    private void softDelete(ObjectNode vault) {
        String id = vault.get("id").asText();
        String sub = id.split("/")[2];
        String location = vault.path("location").asText();
        String name = vault.get("name").asText();
        Instant now = Instant.now();
        ObjectNode d = JSON.createObjectNode();
        d.put(
                "id",
                "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" + location + "/deletedVaults/"
                        + name);
        d.put("name", name);
        d.put("type", "Microsoft.KeyVault/deletedVaults");
        ObjectNode p = d.putObject("properties");
        p.put("vaultId", id);
        p.put("location", location);
        p.put("deletionDate", now.toString());
        p.put(
                "scheduledPurgeDate",
                now.plus(java.time.Duration.ofDays(vault.path("properties")
                                .path("softDeleteRetentionInDays")
                                .asInt(90)))
                        .toString());
        p.set("tags", vault.path("tags").deepCopy());
        p.put(
                "purgeProtectionEnabled",
                vault.path("properties").path("enablePurgeProtection").asBoolean(false));
        deletedVaults.put(key(name), d);
    }

    /** Purges a soft-deleted vault: its name and secrets are gone for good. */
    void purge(String name) {
        deletedVaults.remove(key(name));
        secrets.remove(key(name));
    }

    /** Effects of a VM that finished creating: its NICs point at it, its OS disk exists. */
    void vmCreated(ObjectNode vm) {
        ObjectNode p = (ObjectNode) vm.get("properties");
        for (JsonNode ref : p.path("networkProfile").path("networkInterfaces")) {
            ObjectNode nic = get(ref.path("id").asText());
            if (nic != null) {
                ((ObjectNode) nic.get("properties"))
                        .putObject("virtualMachine")
                        .put("id", vm.get("id").asText());
            }
        }
        ObjectNode os = (ObjectNode) p.path("storageProfile").path("osDisk");
        String name = os.path("name")
                .asText(vm.get("name").asText() + "_OsDisk_1_"
                        + UUID.randomUUID().toString().replace("-", ""));
        String id = vm.get("id").asText().replaceFirst("(?i)/virtualMachines/[^/]+$", "/disks/" + name);
        os.put("name", name);
        os.putObject("managedDisk")
                .put("id", id)
                .put(
                        "storageAccountType",
                        os.path("managedDisk").path("storageAccountType").asText("StandardSSD_LRS"));
        os.put("osType", "Linux");
        if (get(id) == null) {
            ObjectNode d = JSON.createObjectNode();
            d.put("id", id)
                    .put("name", name)
                    .put("type", "Microsoft.Compute/disks")
                    .put("location", vm.get("location").asText());
            d.put("managedBy", vm.get("id").asText());
            d.putObject("tags"); // Azure does not copy the VM's tags to the disks it creates
            d.putObject("sku")
                    .put(
                            "name",
                            os.path("managedDisk").path("storageAccountType").asText());
            d.putObject("properties")
                    .put("diskSizeGB", os.path("diskSizeGB").asInt(30))
                    .put("osType", "Linux")
                    .put("diskState", "Attached")
                    .put("provisioningState", "Succeeded")
                    .put("timeCreated", Instant.now().toString());
            resources.put(key(id), d);
        }
        p.putObject("instanceView").putArray("statuses");
        setPower(vm, "running");
    }

    static void setPower(ObjectNode vm, String power) {
        ObjectNode view = vm.path("properties").has("instanceView")
                ? (ObjectNode) vm.path("properties").get("instanceView")
                : ((ObjectNode) vm.get("properties")).putObject("instanceView");
        ArrayNode statuses = view.putArray("statuses");
        statuses.addObject()
                .put(
                        "code",
                        "ProvisioningState/"
                                + vm.path("properties")
                                        .path("provisioningState")
                                        .asText()
                                        .toLowerCase(Locale.ROOT))
                .put("level", "Info");
        statuses.addObject()
                .put("code", "PowerState/" + power)
                .put("level", "Info")
                .put("displayStatus", "VM " + power);
    }

    /** A VM leaving: NICs and OS disk deleted or detached as its delete options say. */
    void vmDeleted(ObjectNode vm) {
        JsonNode p = vm.path("properties");
        for (JsonNode ref : p.path("networkProfile").path("networkInterfaces")) {
            ObjectNode nic = get(ref.path("id").asText());
            if (nic == null) {
                continue;
            }
            if ("Delete"
                    .equalsIgnoreCase(
                            ref.path("properties").path("deleteOption").asText())) {
                nicDeleted(nic);
                resources.remove(key(nic.get("id").asText()));
            } else {
                ((ObjectNode) nic.get("properties")).remove("virtualMachine");
            }
        }
        JsonNode os = p.path("storageProfile").path("osDisk");
        ObjectNode disk = get(os.path("managedDisk").path("id").asText(""));
        if (disk != null) {
            if ("Delete".equalsIgnoreCase(os.path("deleteOption").asText())) {
                resources.remove(key(disk.get("id").asText()));
            } else {
                disk.remove("managedBy");
                ((ObjectNode) disk.get("properties")).put("diskState", "Unattached");
            }
        }
        resources.remove(key(vm.get("id").asText()));
    }

    /** A NIC leaving releases its public addresses. */
    void nicDeleted(ObjectNode nic) {
        for (JsonNode c : nic.path("properties").path("ipConfigurations")) {
            ObjectNode pip =
                    get(c.path("properties").path("publicIPAddress").path("id").asText(""));
            if (pip != null) {
                ((ObjectNode) pip.get("properties")).remove("ipConfiguration");
            }
        }
    }

    /** Refuses to delete what something else still uses, with Azure's codes. */
    void checkDeletable(String typeKey, ObjectNode r) {
        String id = r.get("id").asText();
        switch (typeKey) {
            case "microsoft.network/networkinterfaces" -> {
                String vm =
                        r.path("properties").path("virtualMachine").path("id").asText(null);
                if (vm != null && get(vm) != null) {
                    throw new ArmError(
                            400,
                            "NicInUse",
                            "Network Interface " + id + " is used by existing resource " + vm
                                    + ". In order to delete the network interface, it must be dissociated from the resource.");
                }
            }
            case "microsoft.network/publicipaddresses" -> {
                String user =
                        r.path("properties").path("ipConfiguration").path("id").asText(null);
                if (user != null) {
                    throw new ArmError(
                            400,
                            "PublicIPAddressCannotBeDeleted",
                            "Public IP address " + id + " can not be"
                                    + " deleted since it is still allocated to resource " + user + ".");
                }
            }
            case "microsoft.network/networksecuritygroups",
                    "microsoft.network/applicationsecuritygroups",
                    "microsoft.network/virtualnetworks",
                    "microsoft.managedidentity/userassignedidentities" -> {
                for (ObjectNode other : resources.values()) {
                    if (!other.equals(r)
                                    && other.path("properties")
                                            .toString()
                                            .toLowerCase(Locale.ROOT)
                                            .contains("\"" + key(id) + "\"")
                            || !other.equals(r)
                                    && other.path("properties")
                                            .toString()
                                            .toLowerCase(Locale.ROOT)
                                            .contains("\"" + key(id) + "/subnets/")) {
                        throw new ArmError(
                                400,
                                "InUse" + r.get("type").asText().replaceAll(".*/", "") + "CannotBeDeleted",
                                r.get("type").asText() + " " + id + " is in use by "
                                        + other.get("id").asText() + " and cannot be deleted.");
                    }
                }
            }
            case "microsoft.compute/disks" -> {
                String vm = r.path("managedBy").asText(null);
                if (vm != null && get(vm) != null) {
                    throw new ArmError(
                            409,
                            "OperationNotAllowed",
                            "Disk " + r.get("name").asText() + " is attached to VM " + vm + ".");
                }
            }
            default -> {}
        }
    }

    // ---- role assignments ----

    /** PUT of a role assignment at a resource group's scope. */
    ObjectNode roleAssignment(String sub, String groupName, String name, JsonNode body, boolean replicated) {
        return roleAssignmentAt(group(sub, groupName).get("id").asText(), name, body, replicated);
    }

    /** A role assignment at any scope below a group (a resource, or a resource's child); the scope must exist. */
    ObjectNode roleAssignmentAt(String scope, String name, JsonNode body, boolean replicated) {
        JsonNode p = body.path("properties");
        String principal = p.path("principalId").asText("");
        String role = p.path("roleDefinitionId").asText("");
        if (!role.matches(
                "(?i)/subscriptions/[^/]+/providers/Microsoft\\.Authorization/roleDefinitions/[0-9a-f-]{36}")) {
            throw new ArmError(400, "InvalidRoleDefinitionId", "The role definition ID '" + role + "' is not valid.");
        }
        if (!principals.contains(principal) || !replicated) {
            throw new ArmError(
                    400,
                    "PrincipalNotFound",
                    "Principal " + principal.replace("-", "") + " does not exist in the"
                            + " directory " + tenant
                            + ". Check that you have the correct principal ID. If you are creating this"
                            + " principal and then immediately assigning a role, this error might be related to a replication"
                            + " delay.");
        }
        String id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + name;
        for (ObjectNode other : resources.values()) {
            JsonNode op = other.path("properties");
            if ("Microsoft.Authorization/roleAssignments"
                            .equals(other.path("type").asText())
                    && !key(other.get("id").asText()).equals(key(id))
                    && key(op.path("scope").asText()).equals(key(scope))
                    && op.path("principalId").asText().equals(principal)
                    && key(op.path("roleDefinitionId").asText()).equals(key(role))) {
                throw new ArmError(409, "RoleAssignmentExists", "The role assignment already exists.");
            }
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("name", name).put("type", "Microsoft.Authorization/roleAssignments");
        ObjectNode rp = r.putObject("properties");
        rp.put("roleDefinitionId", role)
                .put("principalId", principal)
                .put("principalType", p.path("principalType").asText("User"))
                .put("scope", scope)
                .put("createdOn", Instant.now().toString());
        if (p.has("description")) {
            rp.set("description", p.get("description"));
        }
        return r;
    }

    // ---- Azure RBAC: the built-in roles this fake knows, and what they allow ----

    static final String OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f3382dd24c";
    static final String READER = "acdd72a7-3c35-4f9d-85b0-ca0d8e8b9fce";
    static final String READER_AND_DATA_ACCESS = "c12c1c16-33a1-487b-954d-41c89c60f349";
    static final String BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    static final String BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    static final String BLOB_DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    static final String GENERATE_KEY =
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action";

    /**
     * Whether a built-in role allows a control-plane action ({@code Microsoft.Storage/storageAccounts/listKeys/action},
     * {@code .../read}...), from the roles' published Actions: Owner everything, Contributor all but
     * granting, Reader reads, Reader and Data Access account reads and listKeys, the blob data roles
     * container reads and the user delegation key, Storage Blob Delegator only the key.
     */
    static boolean roleAllows(String role, String action) {
        String a = action.toLowerCase(Locale.ROOT);
        String key = GENERATE_KEY.toLowerCase(Locale.ROOT);
        return switch (role) {
            case OWNER -> true;
            case CONTRIBUTOR ->
                !(a.startsWith("microsoft.authorization/") && (a.endsWith("/write") || a.endsWith("/delete")));
            case READER -> a.endsWith("/read");
            case READER_AND_DATA_ACCESS ->
                a.equals("microsoft.storage/storageaccounts/listkeys/action")
                        || a.equals("microsoft.storage/storageaccounts/read");
            case BLOB_DATA_READER ->
                a.equals("microsoft.storage/storageaccounts/blobservices/containers/read") || a.equals(key);
            case BLOB_DATA_CONTRIBUTOR ->
                a.startsWith("microsoft.storage/storageaccounts/blobservices/containers/") || a.equals(key);
            case BLOB_DELEGATOR -> a.equals(key);
            default -> false;
        };
    }

    /** Whether a built-in role allows reading (or writing) blob data: only the blob data roles do, not Owner. */
    static boolean roleAllowsData(String role, boolean write) {
        return role.equals(BLOB_DATA_CONTRIBUTOR) || !write && role.equals(BLOB_DATA_READER);
    }

    /** The roles (definition GUIDs) {@code principal} holds at {@code target} or above, as a data plane sees them. */
    List<String> rolesOnDataPlane(String principal, String target) {
        return rolesOn(principal, target, true);
    }

    /** The roles (definition GUIDs) {@code principal} holds at {@code target} or at a scope above it. */
    List<String> rolesOn(String principal, String target) {
        return rolesOn(principal, target, false);
    }

    /** ... on a data plane: only assignments that have propagated ({@link #dataPlaneRoleDelayMillis}). */
    private List<String> rolesOn(String principal, String target, boolean dataPlane) {
        long now = System.currentTimeMillis();
        List<String> out = new ArrayList<>();
        String t = key(target);
        for (ObjectNode r : resources.values()) {
            JsonNode p = r.path("properties");
            String scope = key(p.path("scope").asText("-"));
            if ("Microsoft.Authorization/roleAssignments".equals(r.path("type").asText())
                    && p.path("principalId").asText().equalsIgnoreCase(principal)
                    && (t.equals(scope) || t.startsWith(scope + "/"))
                    && (!dataPlane
                            || now - firstSeen.computeIfAbsent(key(r.get("id").asText()), k -> now)
                                    >= dataPlaneRoleDelayMillis)) {
                String role = p.path("roleDefinitionId").asText();
                out.add(role.substring(role.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** The action a Resource Manager request asks for, as role definitions name it. */
    static String action(String method, List<String> s) {
        String verb = switch (method) {
            case "GET", "HEAD" -> "read";
            case "DELETE" -> "delete";
            case "POST" -> "action";
            default -> "write";
        };
        int p = -1;
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).equalsIgnoreCase("providers")) {
                p = i;
            }
        }
        if (p < 0 || p + 1 >= s.size()) {
            return "Microsoft.Resources/subscriptions/resourceGroups/" + verb;
        }
        StringBuilder type = new StringBuilder(s.get(p + 1));
        for (int i = p + 2; i < s.size(); i += 2) {
            if (i + 1 >= s.size() && method.equals("POST") && i > p + 2) {
                return type + "/" + s.get(i) + "/action";
            }
            type.append('/').append(s.get(i));
        }
        return type + "/" + verb;
    }

    /** A storage account's resource id, or null. */
    String storageAccountId(String account) {
        for (ObjectNode r : resources.values()) {
            if (STORAGE_TYPE.equals(r.path("type").asText())
                    && r.path("name").asText().equals(account)) {
                return r.get("id").asText();
            }
        }
        return null;
    }

    /** A resource or a blob container (its ARM id) that a role assignment may be scoped to, or null. */
    ObjectNode scope(String id) {
        ObjectNode r = get(id);
        if (r != null) {
            return r;
        }
        for (ObjectNode c : containers.values()) {
            if (key(c.path("id").asText()).equals(key(id))) {
                return c;
            }
        }
        return null;
    }

    // ---- helpers ----

    private ObjectNode requireExists(String id, String referencedBy) {
        ObjectNode r = get(id);
        if (r == null) {
            throw new ArmError(
                    400,
                    "InvalidResourceReference",
                    "Resource " + id + " referenced by resource " + referencedBy
                            + " was not found. Please make sure that the referenced resource exists, and that both resources are"
                            + " in the same region.");
        }
        return r;
    }

    private static String location(JsonNode body) {
        String location = body.path("location").asText("");
        if (location.isBlank()) {
            throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
        }
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static ObjectNode tags(JsonNode body) {
        JsonNode tags = body.path("tags");
        ObjectNode out = JSON.createObjectNode();
        if (tags.isMissingNode() || tags.isNull()) {
            return out;
        }
        if (tags.size() > 50) {
            throw new ArmError(
                    400, "InvalidTemplate", "The number of tags " + tags.size() + " exceeds the limit of 50.");
        }
        Iterator<Map.Entry<String, JsonNode>> it = tags.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.chars().anyMatch(c -> FORBIDDEN_TAG_CHARS.indexOf(c) >= 0)) {
                throw new ArmError(
                        400,
                        "InvalidTagNameCharacters",
                        "The tag names '" + name + "' have reserved characters"
                                + " '<,>,%,&,\\,?,/' or control characters.");
            }
            if (name.length() > 512 || e.getValue().asText().length() > 256) {
                throw new ArmError(
                        400, "InvalidTag", "Tag name too long (max 512) or tag value too long (max 256): " + name);
            }
            out.put(name, e.getValue().asText());
        }
        return out;
    }

    /** Decoded custom data of the VM PUT bodies recorded by the fake (Azure never returns it). */
    static String decodeCustomData(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The resources of {@code type} in every resource group of subscription {@code sub}. */
    List<ObjectNode> ofTypeInSubscription(String sub, String type) {
        List<ObjectNode> out = new ArrayList<>();
        String prefix = key("/subscriptions/" + sub + "/resourceGroups/");
        String middle = "/providers/" + key(type) + "/";
        for (Map.Entry<String, ObjectNode> e : resources.entrySet()) {
            int at = e.getKey().indexOf(middle);
            if (e.getKey().startsWith(prefix)
                    && at > 0
                    && e.getKey().indexOf('/', prefix.length()) == at
                    && e.getKey().indexOf('/', at + middle.length()) < 0) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    List<ObjectNode> ofType(String groupId, String type) {
        List<ObjectNode> out = new ArrayList<>();
        String prefix = key(groupId) + "/providers/" + key(type) + "/";
        for (Map.Entry<String, ObjectNode> e : resources.entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getKey().indexOf('/', prefix.length()) < 0) {
                out.add(e.getValue());
            }
        }
        return out;
    }
}
