package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.CloudProviders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Input validation and the small pure parts, without any endpoint. */
class AzureOptionsTest {

    private static final String SUB = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";

    private static AzureOptions of(String... keyValues) {
        Map<String, String> o = new HashMap<>();
        o.put(AzureOptions.SUBSCRIPTION, SUB);
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return AzureOptions.of(o);
    }

    @Test
    void serviceLoaderFindsTheProviderAsAzure() {
        assertThat(CloudProviders.load().require("azure")).isInstanceOf(AzureProvider.class);
    }

    @Test
    void defaultsAreUsable() {
        AzureOptions o = of();
        assertThat(o.location()).isEqualTo("eastus");
        assertThat(o.vmSize()).isEqualTo("Standard_D4s_v5");
        assertThat(o.schedulerVmSize()).isEqualTo("Standard_D2s_v5");
        assertThat(o.spot()).isFalse();
        assertThat(o.publicIp()).isTrue();
        assertThat(o.image().toString()).isEqualTo("Canonical:ubuntu-24_04-lts:server:latest");
        assertThat(o.maxWorkers()).isEqualTo(1000);
        assertThat(o.billingModel().minimum()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.existingSubnetId()).isEmpty();
        assertThat(o.endpoint()).isEmpty();
    }

    @Test
    void settingsAreRead() {
        String vnet = "/subscriptions/" + SUB + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp";
        AzureOptions o = of(
                AzureOptions.LOCATION,
                "westeurope",
                AzureOptions.VM_SIZE,
                "Standard_D4s_v5",
                AzureOptions.SPOT,
                "TRUE",
                AzureOptions.BILLING_MINIMUM,
                "5m",
                AzureOptions.VNET,
                vnet,
                AzureOptions.SUBNET,
                "compute",
                AzureOptions.ALLOW_FROM,
                "10.0.0.0/8, 203.0.113.7/32",
                AzureOptions.IMAGE,
                "/subscriptions/" + SUB + "/resourceGroups/img/providers/Microsoft.Compute/images/jre17",
                AzureOptions.TAG_PREFIX + "cost center",
                "data & ml",
                AzureOptions.ENDPOINT,
                "https://127.0.0.1:8443/");
        assertThat(o.location()).isEqualTo("westeurope");
        assertThat(o.spot()).isTrue();
        assertThat(o.billingModel().minimum()).isEqualTo(Duration.ofMinutes(5));
        assertThat(o.existingSubnetId()).hasValue(vnet + "/subnets/compute");
        assertThat(o.allowFrom()).containsExactly("10.0.0.0/8", "203.0.113.7/32");
        assertThat(o.image().custom()).isTrue();
        assertThat(o.userTags()).containsExactly(Map.entry("cost center", "data & ml"));
    }

    @Test
    void badValuesNameTheOptionAndWhatToUse() {
        assertThatThrownBy(() -> AzureOptions.of(Map.of()))
                .hasMessageContaining("azure.subscription")
                .hasMessageContaining("az account show");
        assertThatThrownBy(() -> of(AzureOptions.SUBSCRIPTION, "my-sub"))
                .hasMessage("invalid azure.subscription 'my-sub': use a subscription id (a GUID such as"
                        + " 00000000-0000-0000-0000-000000000000)");
        assertThatThrownBy(() -> of(AzureOptions.LOCATION, "East US"))
                .hasMessageStartingWith("invalid azure.location 'East US'");
        assertThatThrownBy(() -> of(AzureOptions.VM_SIZE, "D4s_v5")).hasMessageContaining("Standard_D4s_v5");
        assertThatThrownBy(() -> of(AzureOptions.SCHEDULER_VM_SIZE, "big"))
                .hasMessageStartingWith("invalid azure.scheduler-vm-size 'big'");
        assertThatThrownBy(() -> of(AzureOptions.SPOT, "yes"))
                .hasMessage("azure.spot must be true or false (was 'yes')");
        assertThatThrownBy(() -> of(AzureOptions.BILLING_MINIMUM, "2h"))
                .hasMessage("azure.billing-minimum must be at most 1h (was 2h)");
        assertThatThrownBy(() -> of(AzureOptions.ALLOW_FROM, "1.2.3.4"))
                .hasMessageContaining("azure.allow-from must be")
                .hasMessageContaining("(was '1.2.3.4')");
        assertThatThrownBy(() -> of(AzureOptions.ALLOW_FROM, "10.1.2.3/8")).hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> of(AzureOptions.IMAGE, "ubuntu")).hasMessageContaining("publisher:offer:sku:version");
        assertThatThrownBy(() -> of(AzureOptions.MAX_WORKERS, "-1"))
                .hasMessageContaining("a whole number from 0 to 16000");
        assertThatThrownBy(() -> of(AzureOptions.OS_DISK_GIB, "8")).hasMessageContaining("azure.os-disk-gib");
        assertThatThrownBy(() -> of(AzureOptions.ENDPOINT, "http://127.0.0.1:80/"))
                .hasMessageContaining("an https URL");
        assertThatThrownBy(() -> of(AzureOptions.VNET, "corp"))
                .hasMessageContaining("resource id of an existing virtual network");
        assertThatThrownBy(() -> of(
                        AzureOptions.VNET,
                        "/subscriptions/" + SUB
                                + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp"))
                .hasMessageContaining("azure.subnet is needed with azure.vnet");
        assertThatThrownBy(() -> of(AzureOptions.SUBNET, "compute"))
                .hasMessageContaining("resource id of an existing subnet");
    }

    @Test
    void tagsAzureWouldRefuseAreRejected() {
        for (String name : new String[] {
            "a/b",
            "a?b",
            "x<y",
            "50%",
            "a&b",
            "back\\slash",
            "microsoft.owner",
            "Azure-x",
            "windowsVersion",
            "jcloud.cluster",
            ""
        }) {
            assertThatThrownBy(() -> of(AzureOptions.TAG_PREFIX + name, "v"))
                    .as(name)
                    .hasMessageContaining("invalid azure.tag." + name);
        }
        assertThatThrownBy(() -> of(AzureOptions.TAG_PREFIX + "ok", "x".repeat(257)))
                .hasMessageContaining("256");
        Map<String, String> many = new HashMap<>(Map.of(AzureOptions.SUBSCRIPTION, SUB));
        for (int i = 0; i < 43; i++) {
            many.put(AzureOptions.TAG_PREFIX + "t" + i, "v");
        }
        assertThatThrownBy(() -> AzureOptions.of(many)).hasMessageContaining("at most 42");
        // jcloud's own keys are valid Azure tag names as they are.
        for (String key : new String[] {"jcloud.cluster", "jcloud.cluster-id", "jcloud.role", "jcloud.node"}) {
            AzureTags.checkUserTag("test", key.replace("jcloud.", "x."), "v");
        }
    }

    @Test
    void theCallerIsReadFromTheTokensClaims() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String user = "h."
                + b64.encodeToString(
                        "{\"upn\":\"ana@example.com\",\"oid\":\"o1\",\"tid\":\"t1\"}".getBytes(StandardCharsets.UTF_8))
                + ".s";
        String app =
                "h." + b64.encodeToString("{\"appid\":\"a1\",\"oid\":\"o2\"}".getBytes(StandardCharsets.UTF_8)) + ".s";
        assertThat(AzureClients.claims(user).toString()).isEqualTo("ana@example.com (object id o1) in tenant t1");
        assertThat(AzureClients.claims(app).display()).isEqualTo("application a1");
        assertThat(AzureClients.claims("opaque").display()).isEqualTo("unknown identity");
        assertThat(AzureClients.claims("a.!!!.c").display()).isEqualTo("unknown identity");
    }

    @Test
    void theAdminKeyIsAnOpenSshRsaPublicKey() {
        String key = AdminKey.publicKey();
        assertThat(key)
                .startsWith("ssh-rsa AAAAB3NzaC1yc2E")
                .endsWith(" jcloud-no-login")
                .doesNotContain("PRIVATE");
        assertThat(Base64.getDecoder().decode(key.split(" ")[1]).length)
                .as("a 2048-bit modulus")
                .isGreaterThan(256);
    }

    @Test
    void roleAssignmentNamesAreStableGuids() {
        String a = ControllerIdentity.assignmentName("/subscriptions/" + SUB + "/resourceGroups/jcloud-x-1");
        assertThat(a)
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                .isEqualTo(ControllerIdentity.assignmentName("/subscriptions/" + SUB + "/resourcegroups/JCLOUD-X-1"));
    }
}
