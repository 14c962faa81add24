package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.exception.HttpResponseException;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.config.Settings;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on Azure: the cluster's TLS files go through two Key Vaults (one per role), each
 * readable only by that role's managed identity, and reach the VMs through {@link KeyVaultFiles}
 * at boot; nothing secret travels in custom data, tags or requests to Resource Manager. Against
 * {@link FakeAzureResourceManager}, which serves the vaults' management and data-plane APIs (with
 * Key Vault's challenge-based authentication and access-policy checks) and an IMDS token endpoint.
 */
class AzureKeyVaultTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    private static final Map<String, String> TLS = Map.of(ClusterTrust.OPTION, "true");

    @TempDir
    Path dir;

    private AzureClients azure;
    private AzureProvider provider;

    @BeforeEach
    void setUp() {
        provider = new AzureProvider(
                ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"), host -> false);
        azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
    }

    @Test
    void tlsIsOnByDefaultForAzureClusters() {
        assertThat(new Settings.Security(Settings.TlsMode.AUTO).tlsEnabledFor(new AzureProvider().remote()))
                .isTrue();
    }

    @Test
    void upWithTlsStoresEachRoleFilesInItsOwnVaultReadableOnlyByThatRoleIdentity() throws IOException {
        ClusterContext c = cluster("kappa");
        provider.bootstrap(c);

        String group = AzureNames.group(c);
        IdentityInner controller =
                azure.msi().getUserAssignedIdentities().getByResourceGroup(group, "jcloud-controller");
        IdentityInner workers = azure.msi().getUserAssignedIdentities().getByResourceGroup(group, "jcloud-worker");
        String schedulerVault = "jcloud-" + c.id() + "-s";
        String workerVault = "jcloud-" + c.id() + "-w";
        Path tls = c.workDir().resolve(ClusterTrust.DIRECTORY);
        boolean dashboardToken = Files.isRegularFile(tls.resolve("dashboard-token"));

        List<String> schedulerSecrets = new ArrayList<>(List.of("ca-pem", "scheduler-pem", "scheduler-key-pem"));
        if (dashboardToken) {
            schedulerSecrets.add("dashboard-token");
        }
        assertThat(ARM.secretNames(schedulerVault)).containsExactlyInAnyOrderElementsOf(schedulerSecrets);
        assertThat(ARM.secretNames(workerVault)).containsExactlyInAnyOrder("ca-pem", "worker-pem", "worker-key-pem");
        assertThat(ARM.secret(schedulerVault, "scheduler-key-pem"))
                .isEqualTo(Files.readString(tls.resolve("scheduler-key.pem")));
        assertThat(ARM.secret(workerVault, "worker-key-pem"))
                .isEqualTo(Files.readString(tls.resolve("worker-key.pem")));
        // The CA's key and the client's key never leave this machine.
        assertThat(ARM.secretNames(schedulerVault)).noneMatch(n -> n.startsWith("client") || n.startsWith("ca-key"));

        // Each vault: exactly one access policy, its role's identity, secrets 'get' and nothing else;
        // the user's own 'set' was removed once the files were written.
        assertOnlyReader(ARM.vault(schedulerVault), controller.principalId().toString());
        assertOnlyReader(ARM.vault(workerVault), workers.principalId().toString());
        JsonNode vault = ARM.vault(schedulerVault);
        assertThat(vault.path("properties").path("softDeleteRetentionInDays").asInt())
                .isEqualTo(7);
        assertThat(vault.path("properties").path("enablePurgeProtection").asBoolean(false))
                .isFalse();
        assertThat(vault.path("tags").path("jcloud.cluster-id").asText()).isEqualTo(c.id());
        // The workers' identity has no role anywhere: only the controller's Contributor grant exists.
        assertThat(ARM.requests())
                .filteredOn(r -> r.method().equals("PUT") && r.path().contains("roleAssignments"))
                .allSatisfy(r -> assertThat(r.body())
                        .contains(controller.principalId().toString())
                        .doesNotContain(workers.principalId().toString()));

        // The secrets went through Key Vault's challenge: a token for Key Vault's own scope was asked for.
        assertThat(ARM.tokenScopes()).contains("https://vault.azure.net/.default");
        // Nothing secret in any request to Resource Manager (bodies, tags): only the vaults' data planes saw it.
        String key = Files.readString(tls.resolve("scheduler-key.pem"));
        String workerKey = Files.readString(tls.resolve("worker-key.pem"));
        assertThat(ARM.requests())
                .filteredOn(r -> !r.path().startsWith("/kv/"))
                .allSatisfy(r -> assertThat(r.body())
                        .doesNotContain("PRIVATE KEY")
                        .doesNotContain(body(key))
                        .doesNotContain(body(workerKey)));
    }

    @Test
    void vmsGetTheFetcherAndFilePathsButNoSecretAndWorkersCarryOnlyTheirOwnIdentity() throws IOException {
        ClusterContext c = cluster("lambda");
        provider.bootstrap(c);
        provider.launch(
                c,
                new LaunchRequest(
                        NodeRole.SCHEDULER,
                        List.of(new LaunchRequest.NodeLaunch(
                                ClusterNames.scheduler(c.name()), EngineCommand.scheduler()))));
        provider.launch(
                c,
                new LaunchRequest(
                        NodeRole.WORKER,
                        List.of(new LaunchRequest.NodeLaunch(
                                ClusterNames.worker(c.name(), 0),
                                EngineCommand.worker("10.9.9.9:8786").with("--name", "w0")))));

        String group = AzureNames.group(c);
        Path tls = c.workDir().resolve(ClusterTrust.DIRECTORY);
        Map<String, String> scripts = customData(group);
        String scheduler = scripts.get(ClusterNames.scheduler(c.name()));
        String worker = scripts.get(ClusterNames.worker(c.name(), 0));
        String schedulerVaultUrl = ARM.vault("jcloud-" + c.id() + "-s")
                .path("properties")
                .path("vaultUri")
                .asText();
        String workerVaultUrl = ARM.vault("jcloud-" + c.id() + "-w")
                .path("properties")
                .path("vaultUri")
                .asText();
        String controllerClient = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(group, "jcloud-controller")
                .clientId()
                .toString();
        String workerClient = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(group, "jcloud-worker")
                .clientId()
                .toString();

        assertThat(scheduler)
                .contains(KeyVaultFiles.class.getName())
                .contains(controllerClient)
                .contains(schedulerVaultUrl)
                .contains("--tls-cert", "--tls-key", "--tls-ca", "--tls-server-name", ClusterTrust.memberName(c.id()))
                .contains("secrets/scheduler-key.pem")
                .doesNotContain(workerVaultUrl);
        assertThat(worker)
                .contains(KeyVaultFiles.class.getName())
                .contains(workerClient)
                .contains(workerVaultUrl)
                .contains("secrets/worker-key.pem")
                .doesNotContain(schedulerVaultUrl)
                .doesNotContain("dashboard-token")
                .doesNotContain("scheduler-key");
        if (Files.isRegularFile(tls.resolve("dashboard-token"))) {
            assertThat(scheduler).contains("--dashboard-token-file").contains("secrets/dashboard-token");
        } else {
            assertThat(scheduler).doesNotContain("--dashboard-token-file");
        }
        for (String script : scripts.values()) {
            assertThat(script)
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContain("BEGIN CERTIFICATE")
                    .doesNotContain(FakeAzureResourceManager.TOKEN_SECRET);
            for (String f : List.of("scheduler-key.pem", "worker-key.pem", "ca.pem")) {
                assertThat(script).doesNotContain(body(Files.readString(tls.resolve(f))));
            }
        }

        VirtualMachineInner workerVm =
                azure.compute().getVirtualMachines().getByResourceGroup(group, ClusterNames.worker(c.name(), 0));
        assertThat(workerVm.identity().userAssignedIdentities().keySet())
                .singleElement()
                .satisfies(id -> assertThat(id).endsWith("/userAssignedIdentities/jcloud-worker"));
        VirtualMachineInner schedulerVm =
                azure.compute().getVirtualMachines().getByResourceGroup(group, ClusterNames.scheduler(c.name()));
        assertThat(schedulerVm.identity().userAssignedIdentities().keySet())
                .singleElement()
                .satisfies(id -> assertThat(id).endsWith("/userAssignedIdentities/jcloud-controller"));
    }

    @Test
    void theUserCannotReadTheSecretsBackOnceStored() {
        ClusterContext c = cluster("mu");
        provider.bootstrap(c);
        String url = ARM.vault("jcloud-" + c.id() + "-s")
                .path("properties")
                .path("vaultUri")
                .asText();

        assertThatThrownBy(() -> azure.secrets().apply(url).getSecret("scheduler-key-pem"))
                .isInstanceOfSatisfying(
                        HttpResponseException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(403));
    }

    @Test
    void downLeavesNoVaultAndNoSoftDeletedVault() {
        ClusterContext c = cluster("nu");
        provider.bootstrap(c);
        assertThat(ARM.vault("jcloud-" + c.id() + "-s")).isNotNull();

        provider.deleteSharedResources(c);

        assertThat(ARM.vault("jcloud-" + c.id() + "-s")).isNull();
        assertThat(ARM.vault("jcloud-" + c.id() + "-w")).isNull();
        assertThat(ARM.deletedVaults()).isEmpty();
        assertThat(ARM.secretNames("jcloud-" + c.id() + "-s")).isEmpty();
        assertThat(ARM.requests())
                .filteredOn(r -> r.method().equals("POST") && r.path().endsWith("/purge"))
                .hasSize(2);
        provider.deleteSharedResources(c); // again: nothing left to purge, no error
    }

    @Test
    void anIdentityThatMayNotPurgeLeavesTheVaultsSoftDeletedAndSaysSo() {
        ClusterContext c = cluster("xi");
        provider.bootstrap(c);
        // As for the in-cluster controller (Contributor on the group only): it may neither read nor purge deleted
        // vaults.
        ARM.fail("GET", ".*/deletedVaults/[^/]*")
                .times(1)
                .respond(
                        403,
                        "AuthorizationFailed",
                        "The client does not have authorization to perform action"
                                + " 'Microsoft.KeyVault/locations/deletedVaults/read'.");
        ARM.fail("POST", ".*/deletedVaults/.*/purge")
                .times(1)
                .respond(
                        403,
                        "AuthorizationFailed",
                        "The client does not have authorization to perform action"
                                + " 'Microsoft.KeyVault/locations/deletedVaults/purge/action'.");

        provider.deleteSharedResources(c);

        assertThat(ARM.vault("jcloud-" + c.id() + "-s")).isNull();
        assertThat(ARM.deletedVaults()).containsExactlyInAnyOrder("jcloud-" + c.id() + "-s", "jcloud-" + c.id() + "-w");
    }

    @Test
    void aFailureHalfWayThroughUpWithTlsLeavesNoGroupAndNoVault() {
        // The workers' vault is written second: the scheduler's vault exists, with secrets, when this fails.
        ARM.fail("PUT", "/kv/jcloud-.*-w/secrets/worker-key-pem")
                .times(Integer.MAX_VALUE)
                .respond(500, "InternalError", "An unexpected error occurred.");
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));
        ClusterRequest r = ClusterRequest.named("omicron").withWorkers(1).withStartTimeout(Duration.ofSeconds(30));
        for (Map.Entry<String, String> e : ARM.options(TLS).entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        ClusterRequest request = r;

        assertThatThrownBy(() -> provisioner.up("azure", request, 0)).isInstanceOf(HttpResponseException.class);

        assertThat(ARM.requests())
                .anyMatch(q -> q.method().equals("PUT") && q.path().contains("/secrets/ca-pem"));
        List<String> groups = new ArrayList<>();
        azure.resources().getResourceGroups().list().forEach(g -> groups.add(g.name()));
        assertThat(groups).isEmpty();
        assertThat(ARM.deletedVaults()).isEmpty();
        assertThat(provisioner.store().list()).isEmpty();
    }

    /**
     * The boot-time fetcher as the VM runs it: a separate JVM whose managed identity token comes from
     * the fake IMDS ({@code AZURE_POD_IDENTITY_AUTHORITY_HOST}, the SDK's override of the IMDS address)
     * and which reaches the vault by its real-looking name {@code NAME.vault.azure.net}, resolved to
     * 127.0.0.1 through a hosts file, so Key Vault's challenge check stays on.
     */
    @Test
    void theFetcherWritesOwnerOnlyFilesWithTheMachineIdentityAndPrintsNoValue() throws Exception {
        ClusterContext c = cluster("pi");
        provider.bootstrap(c);
        String vaultName = "jcloud-" + c.id() + "-w";
        String clientId = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(AzureNames.group(c), "jcloud-worker")
                .clientId()
                .toString();
        String host = vaultName + ".vault.azure.net";
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 " + host + "\n127.0.0.1 localhost\n");
        Path trust = dir.resolve("trust.p12");
        ARM.tls().writeTrustStore(trust, "changeit");
        Path out = dir.resolve("secrets");

        ProcessBuilder pb = new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "-Djdk.net.hosts.file=" + hosts,
                "-Djavax.net.ssl.trustStore=" + trust,
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                KeyVaultFiles.class.getName(),
                clientId,
                "https://" + host + ":" + ARM.port() + "/",
                "ca.pem",
                "worker.pem",
                "worker-key.pem",
                out.toString());
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("AZURE_") || k.startsWith("IDENTITY_") || k.startsWith("MSI_"));
        pb.environment().put("AZURE_POD_IDENTITY_AUTHORITY_HOST", ARM.imdsEndpoint());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("fetch.log").toFile());
        // A VM seconds old: IMDS does not know its identity yet; the fetcher waits for it.
        ARM.imdsIdentityAfter(Duration.ofMillis(1500));
        String printed = run(pb, dir.resolve("fetch.log"));
        assertThat(printed).startsWith("exit 0");
        assertThat(ARM.imdsRequests().stream().filter(r -> r.startsWith("client_id=" + clientId)))
                .hasSizeGreaterThan(1);

        Path tls = c.workDir().resolve(ClusterTrust.DIRECTORY);
        for (String f : List.of("ca.pem", "worker.pem", "worker-key.pem")) {
            assertThat(out.resolve(f)).hasSameTextualContentAs(tls.resolve(f));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(f))))
                    .isEqualTo("rw-------");
        }
        assertThat(printed)
                .contains("worker-key.pem")
                .doesNotContain("PRIVATE KEY")
                .doesNotContain(body(Files.readString(tls.resolve("worker-key.pem"))));
        assertThat(ARM.imdsRequests()).contains("client_id=" + clientId + "&resource=https://vault.azure.net");

        // The same identity may not read the scheduler's vault.
        String schedulerHost = "jcloud-" + c.id() + "-s.vault.azure.net";
        Files.writeString(hosts, "127.0.0.1 " + schedulerHost + "\n127.0.0.1 localhost\n");
        List<String> command = new ArrayList<>(pb.command());
        command.set(
                command.indexOf(KeyVaultFiles.class.getName()) + 2,
                "https://" + schedulerHost + ":" + ARM.port() + "/");
        pb.command(command).redirectOutput(dir.resolve("denied.log").toFile());
        pb.environment().put(KeyVaultFiles.WAIT_ENV, "2"); // a refusal that lasts: given up after the wait
        String deniedLog = run(pb, dir.resolve("denied.log"));
        assertThat(deniedLog).doesNotStartWith("exit 0").contains("does not have secrets get permission");
    }

    /**
     * CLIENT_ID {@code -} (what exported Terraform modules render): IMDS is asked without a client
     * id and answers for the VM's only identity; on a VM with two identities it refuses, and the
     * fetcher fails without writing anything.
     */
    @Test
    void theFetcherWithoutAClientIdUsesTheMachinesOnlyIdentity() throws Exception {
        ClusterContext c = cluster("rho");
        provider.bootstrap(c);
        String group = AzureNames.group(c);
        String workerClient = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(group, "jcloud-worker")
                .clientId()
                .toString();
        String controllerClient = azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(group, "jcloud-controller")
                .clientId()
                .toString();
        String host = "jcloud-" + c.id() + "-w.vault.azure.net";
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 " + host + "\n127.0.0.1 localhost\n");
        Path trust = dir.resolve("trust.p12");
        ARM.writeTrustStore(trust, "changeit");
        Path out = dir.resolve("secrets");
        ARM.imdsMachine(workerClient);

        // The vault URL without a port, as a VM names it; the port comes from JCLOUD_KEY_VAULT_PORT.
        ProcessBuilder pb = new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "-Djdk.net.hosts.file=" + hosts,
                "-Djavax.net.ssl.trustStore=" + trust,
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "-Djavax.net.ssl.trustStoreType=PKCS12",
                KeyVaultFiles.class.getName(),
                KeyVaultFiles.ONLY_IDENTITY,
                "https://" + host + "/",
                "ca.pem",
                "worker-key.pem",
                out.toString());
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("AZURE_") || k.startsWith("IDENTITY_") || k.startsWith("MSI_"));
        pb.environment().put("AZURE_POD_IDENTITY_AUTHORITY_HOST", ARM.imdsEndpoint());
        pb.environment().put("JCLOUD_KEY_VAULT_PORT", Integer.toString(ARM.port()));
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("fetch.log").toFile());
        String printed = run(pb, dir.resolve("fetch.log"));

        assertThat(printed).startsWith("exit 0");
        Path tls = c.workDir().resolve(ClusterTrust.DIRECTORY);
        for (String f : List.of("ca.pem", "worker-key.pem")) {
            assertThat(out.resolve(f)).hasSameTextualContentAs(tls.resolve(f));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(f))))
                    .isEqualTo("rw-------");
        }
        assertThat(ARM.imdsRequests())
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r).startsWith("client_id=null&"))
                .contains("client_id=null&resource=https://vault.azure.net");

        // A VM with two user-assigned identities must name one: IMDS refuses, nothing is written.
        ARM.imdsMachine(workerClient, controllerClient);
        Path again = dir.resolve("again");
        List<String> command = new ArrayList<>(pb.command());
        command.set(command.size() - 1, again.toString());
        pb.command(command).redirectOutput(dir.resolve("two.log").toFile());
        pb.environment().put(KeyVaultFiles.WAIT_ENV, "1");
        String two = run(pb, dir.resolve("two.log"));
        // (msal4j cannot parse IMDS's error body, so the reason does not reach the log: the status does.)
        assertThat(two).doesNotStartWith("exit 0").contains("MSI returned 400").doesNotContain("PRIVATE KEY");
        assertThat(again.resolve("ca.pem")).doesNotExist();
    }

    @Test
    void theVaultPortOverrideKeepsTheVaultsHostName() {
        assertThat(KeyVaultFiles.vaultUrl("https://jcloud-abc.vault.azure.net/", Map.of()))
                .isEqualTo("https://jcloud-abc.vault.azure.net/");
        assertThat(KeyVaultFiles.vaultUrl(
                        "https://jcloud-abc.vault.azure.net/", Map.of("JCLOUD_KEY_VAULT_PORT", "8443")))
                .isEqualTo("https://jcloud-abc.vault.azure.net:8443/");
        assertThat(KeyVaultFiles.secretName("join-token")).isEqualTo("join-token");
        assertThat(KeyVaultFiles.secretName("worker-key.pem")).isEqualTo("worker-key-pem");
    }

    /** Runs the child JVM for at most two minutes: {@code exit N} and its output. */
    private static String run(ProcessBuilder pb, Path log) throws IOException, InterruptedException {
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the fetcher did not finish in 2 minutes:\n" + Files.readString(log));
        }
        return "exit " + p.exitValue() + "\n" + Files.readString(log);
    }

    // ---- helpers ----

    private ClusterContext cluster(String name) {
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), ARM.options(TLS));
    }

    private static void assertOnlyReader(JsonNode vault, String principal) {
        JsonNode policies = vault.path("properties").path("accessPolicies");
        assertThat(policies).hasSize(1);
        assertThat(policies.get(0).path("objectId").asText()).isEqualTo(principal);
        assertThat(policies.get(0).path("objectId").asText()).isNotEqualTo(ARM.callerObjectId());
        List<String> secrets = new ArrayList<>();
        policies.get(0).path("permissions").path("secrets").forEach(p -> secrets.add(p.asText()));
        assertThat(secrets).containsExactly("get");
        for (String other : List.of("keys", "certificates", "storage")) {
            assertThat(policies.get(0).path("permissions").path(other).size()).isZero();
        }
    }

    /** A PEM file's base64 body on one line: what would show if it were copied into a request. */
    private static String body(String pem) {
        String[] lines = pem.strip().split("\n");
        return lines.length > 2 ? lines[1] : pem;
    }

    private static Map<String, String> customData(String group) {
        Map<String, String> out = new LinkedHashMap<>();
        for (FakeAzureResourceManager.Recorded r : ARM.requests()) {
            if (r.method().equals("PUT")
                    && r.path().contains(group + "/providers/Microsoft.Compute/virtualMachines/")) {
                String name = r.path().substring(r.path().lastIndexOf('/') + 1);
                out.put(
                        name,
                        ArmState.decodeCustomData(r.json()
                                .path("properties")
                                .path("osProfile")
                                .path("customData")
                                .asText()));
            }
        }
        return out;
    }
}
