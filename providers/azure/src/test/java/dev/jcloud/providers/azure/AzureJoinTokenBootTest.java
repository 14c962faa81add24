package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.terraform.BootScriptRun;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.HclBlocks;
import dev.jcloud.terraform.StandInEngine;
import dev.jcloud.terraform.TerraformExporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported Azure module's boot scripts, run with bash as a VM would, against
 * {@link FakeAzureResourceManager}'s instance metadata service and Key Vault, holding the join token
 * in the vault and under the secret name {@code main.tf} gives them, readable only by the machines'
 * identity: the real {@code KeyVaultFiles} from the engine bundle gets the VM's token from IMDS
 * without naming the identity, passes Key Vault's challenge and writes the token for a stand-in
 * engine ({@link StandInEngine}) that reports what it got. Needs bash.
 *
 * <p>How the fetcher's JVM, started by the script, reaches the fakes without changing the script:
 * {@code AZURE_POD_IDENTITY_AUTHORITY_HOST} (the Azure SDK's own override of the IMDS address);
 * {@code JAVA_TOOL_OPTIONS} with {@code -Djdk.net.hosts.file} (the vault's real-looking name
 * {@code jcloud-<cluster id>.vault.azure.net} resolves to 127.0.0.1, so the SDK's check that the
 * vault lies under the challenge's domain stays on) and a trust store holding only the fake's
 * certificate; and {@code JCLOUD_KEY_VAULT_PORT}, KeyVaultFiles' test override of the vault's port
 * (the script names the vault on 443). The stand-in engine gets the same variables.
 */
class AzureJoinTokenBootTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    /** The stand-in engine bundle, packed once for both tests (it holds this test's whole class path). */
    @TempDir
    static Path shared;

    private static EngineBundle bundle;

    @TempDir
    Path dir;

    @BeforeAll
    static void packStandInEngine() throws Exception {
        bundle = StandInEngine.bundle(shared);
    }

    @Test
    void exportedBootScriptsHandTheEngineTheJoinTokenFromKeyVaultInA0600File() throws Exception {
        AzureSpec spec =
                AzureSpec.of("kappa", 1, EngineArtifact.of(bundle.file().toUri(), bundle.sha256()));
        Path module = dir.resolve("module");
        new TerraformExporter().export(spec, module);
        String clusterId = spec.cluster().clusterId();
        String joinToken = "jt-"
                + HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
        // The token where main.tf puts it: the vault and secret names as Terraform will compute them,
        // readable by the one identity the machines carry.
        String vault = nameOf(module, "resource azurerm_key_vault.cluster").replace("${var.cluster_id}", clusterId);
        String secret = nameOf(module, "resource azurerm_key_vault_secret.join_token");
        String clientId = ARM.keyVaultReadableBy(
                "jcloud-kappa-" + clusterId, "jcloud-kappa-" + clusterId, vault, Map.of(secret, joinToken));
        ARM.imdsMachine(clientId);
        String expectedHash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(joinToken.getBytes(StandardCharsets.UTF_8)));

        for (String role : List.of("scheduler", "worker")) {
            // What main.tf's replace() does to the worker's script.
            String script = Files.readString(module.resolve("boot/" + role + ".sh"))
                    .replace(BootScripts.SCHEDULER_ADDRESS, "10.0.1.4:8786")
                    .replace(BootScripts.NTHREADS, "2")
                    .replace(BootScripts.MEMORY_LIMIT, "3GiB");
            assertThat(script).doesNotContain(joinToken).contains("https://" + vault + ".vault.azure.net/");
            Path home = dir.resolve(role + "-home");

            BootScriptRun.Result r = runBootScript(BootScriptRun.write(dir, role, script), home, vault);

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out())
                    .as(r.err())
                    .contains("fake engine: " + role + " ")
                    .contains("fake engine: token file " + home.resolve("secrets/join-token") + " rw------- sha256="
                            + expectedHash);
            assertThat(r.err()).contains("from Key Vault secret " + secret);
            assertThat(r.out() + r.err())
                    .doesNotContain(joinToken)
                    .doesNotContain(FakeAzureResourceManager.TOKEN_SECRET);
            assertThat(Files.readString(home.resolve("secrets/join-token"))).isEqualTo(joinToken);
        }
        // The token came from IMDS for the machine's only identity, without a client id, for Key Vault.
        assertThat(ARM.imdsRequests())
                .isNotEmpty()
                .allSatisfy(q -> assertThat(q).startsWith("client_id=null&"))
                .contains("client_id=null&resource=https://vault.azure.net");
    }

    @Test
    void withoutTheSecretTheBootStopsBeforeTheEngine() throws Exception {
        AzureSpec spec =
                AzureSpec.of("lambda", 1, EngineArtifact.of(bundle.file().toUri(), bundle.sha256()));
        Path module = dir.resolve("module");
        new TerraformExporter().export(spec, module);
        String vault = "jcloud-" + spec.cluster().clusterId();
        ARM.imdsMachine(ARM.keyVaultReadableBy("jcloud-lambda", "jcloud-lambda", vault, Map.of()));

        BootScriptRun.Result r = runBootScript(module.resolve("boot/scheduler.sh"), dir.resolve("home"), vault);

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cannot fetch the cluster's join token");
        assertThat(r.out()).doesNotContain("fake engine:");
        assertThat(dir.resolve("home/secrets/join-token")).doesNotExist();
    }

    /** The {@code name} of a resource in main.tf, as written there. */
    private static String nameOf(Path module, String resource) throws IOException {
        String block = HclBlocks.of(Files.readString(module.resolve("main.tf"))).get(resource);
        Matcher m = Pattern.compile("(?m)^\\s*name\\s*=\\s*\"([^\"]+)\"").matcher(block);
        assertThat(m.find()).as(block).isTrue();
        return m.group(1);
    }

    /** Runs a boot script as root would on the VM, with IMDS and the vault pointed at the fake (see the class comment). */
    private BootScriptRun.Result runBootScript(Path script, Path home, String vault) throws Exception {
        Path hosts = Files.writeString(
                dir.resolve("hosts"), "127.0.0.1 " + vault + ".vault.azure.net\n127.0.0.1 localhost\n");
        Path trust = dir.resolve("trust.p12");
        ARM.writeTrustStore(trust, "changeit");
        Path noAz = Files.createDirectories(dir.resolve("no-az"));
        return BootScriptRun.run(
                script,
                home,
                dir,
                env -> {
                    // Only the fake IMDS's identity: no service principal, CLI login or other source of credentials.
                    env.keySet()
                            .removeIf(k -> k.startsWith("AZURE_")
                                    || k.startsWith("IDENTITY_")
                                    || k.startsWith("MSI_")
                                    || k.startsWith("JCLOUD_")
                                    || k.startsWith("JAVA_TOOL_OPTIONS")
                                    || k.startsWith("JDK_JAVA_OPTIONS"));
                    env.put("AZURE_CONFIG_DIR", noAz.toString());
                    env.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", ARM.imdsEndpoint());
                    env.put(
                            "JAVA_TOOL_OPTIONS",
                            "-Djdk.net.hosts.file=" + hosts + " -Djavax.net.ssl.trustStore=" + trust
                                    + " -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12");
                    env.put("JCLOUD_KEY_VAULT_PORT", Integer.toString(ARM.port()));
                },
                "bash");
    }
}
