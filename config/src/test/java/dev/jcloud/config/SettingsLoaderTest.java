package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.jcloud.config.Settings.Adapt;
import dev.jcloud.config.Settings.TlsMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

    @TempDir
    Path dir;

    Path home;
    Path userFile;
    Path projectFile;

    @BeforeEach
    void paths() throws IOException {
        home = Files.createDirectories(dir.resolve("home"));
        userFile = home.resolve(".config/jcloud/jcloud.yaml");
        projectFile = dir.resolve("project/jcloud.yaml");
        Files.createDirectories(userFile.getParent());
        Files.createDirectories(projectFile.getParent());
    }

    private SettingsLoader loader() {
        return TestingSections.builder().home(home).userFile(userFile).projectFile(projectFile);
    }

    private static void write(Path file, String yaml) throws IOException {
        Files.writeString(file, yaml);
    }

    @Test
    void defaultsMatchTheDocumentedSchema() {
        Settings s = loader().load();

        assertThat(s.cluster().name()).isEmpty();
        assertThat(s.cluster().provider()).isEqualTo("local");
        assertThat(s.cluster().workers()).isEqualTo(4);
        assertThat(s.cluster().idleTimeout()).isEqualTo(Duration.ofMinutes(20));
        assertThat(s.cluster().noClientTimeout()).isEqualTo(Duration.ZERO);
        assertThat(s.cluster().deathTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.cluster().waitTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.cluster().tags()).isEmpty();
        assertThat(s.cluster().adapt()).isEmpty();
        assertThat(s.scheduler().port()).isEqualTo(8786);
        assertThat(s.scheduler().dashboardPort()).isEqualTo(8787);
        assertThat(s.scheduler().dashboardEnabled()).isTrue();
        assertThat(s.worker().nthreads()).isZero();
        assertThat(s.worker().memoryLimit()).isEmpty();
        assertThat(s.worker().resources()).isEmpty();
        assertThat(s.worker().spillFraction()).isEqualTo(0.6);
        assertThat(s.worker().pauseFraction()).isEqualTo(0.8);
        assertThat(s.worker().terminateFraction()).isEqualTo(0.95);
        assertThat(s.security().tls()).isEqualTo(TlsMode.AUTO);
        assertThat(s.security().tlsEnabledFor(false)).isFalse();
        assertThat(s.value(TestingSections.AWS_REGION)).isEmpty();
        assertThat(s.value(TestingSections.AWS_WORKER_TYPE)).isEqualTo("m6i.large");
        assertThat(s.value(TestingSections.AWS_SPOT)).isFalse();
        assertThat(s.value(TestingSections.AWS_SUBNET)).isEmpty();
        assertThat(s.value(TestingSections.AWS_ALLOW_FROM)).isEmpty();
        assertThat(s.value(TestingSections.FARGATE_WORKER_CPU)).isEqualTo(1024);
        assertThat(s.value(TestingSections.FARGATE_WORKER_MEMORY)).isEqualTo(4096);
        assertThat(s.value(TestingSections.FARGATE_IMAGE)).isEmpty();
        assertThat(s.value(TestingSections.GCP_PROJECT)).isEmpty();
        assertThat(s.value(TestingSections.GCP_ZONE)).isEqualTo("us-central1-a");
        assertThat(s.value(TestingSections.AZURE_BILLING_MINIMUM)).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.prices()).isEmpty();

        assertThat(s).isEqualTo(TestingSections.builder().load());
        assertThat(s.explain()).allSatisfy(v -> assertThat(v.source()).isEqualTo("default"));
    }

    @Test
    void eachLayerOverridesTheOnesBelowIt() throws IOException {
        write(userFile, """
                cluster:
                  workers: 1
                  idle-timeout: 1m
                  death-timeout: 2m
                  wait-timeout: 3m
                """);
        write(projectFile, """
                cluster:
                  idle-timeout: 10m
                  death-timeout: 20m
                  wait-timeout: 30m
                """);
        Settings s = loader().env(Map.of("JCLOUD_CLUSTER_DEATH_TIMEOUT", "200m", "JCLOUD_CLUSTER_WAIT_TIMEOUT", "300m"))
                .withFlags(Map.of("cluster.wait-timeout", "3000m"), Map.of("cluster.wait-timeout", "--wait"))
                .load();

        assertThat(s.cluster().workers()).isEqualTo(1);
        assertThat(s.cluster().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.cluster().deathTimeout()).isEqualTo(Duration.ofMinutes(200));
        assertThat(s.cluster().waitTimeout()).isEqualTo(Duration.ofMinutes(3000));
        assertThat(s.cluster().noClientTimeout()).isEqualTo(Duration.ZERO);

        assertThat(s.explain())
                .filteredOn(v -> v.key().startsWith("cluster.") && v.key().contains("time")
                        || v.key().equals("cluster.workers"))
                .extracting(SettingValue::key, SettingValue::displayValue, SettingValue::source)
                .containsExactly(
                        tuple("cluster.workers", "1", "~/.config/jcloud/jcloud.yaml"),
                        tuple("cluster.idle-timeout", "10m", projectFile.toString()),
                        tuple("cluster.no-client-timeout", "off", "default"),
                        tuple("cluster.death-timeout", "3h20m", "env JCLOUD_CLUSTER_DEATH_TIMEOUT"),
                        tuple("cluster.wait-timeout", "2d2h", "flag --wait"));
    }

    @Test
    void environmentVariablesMapEveryKindOfValue() {
        Settings s = loader().env(Map.of(
                        "JCLOUD_CLUSTER_WORKERS", "8",
                        "JCLOUD_WORKER_MEMORY_LIMIT", "2GiB",
                        "JCLOUD_AWS_REGION", "eu-west-1",
                        "JCLOUD_CLUSTER_PROVIDER", "FARGATE",
                        "JCLOUD_SECURITY_TLS", "false",
                        "JCLOUD_AWS_SPOT", "true",
                        "JCLOUD_SCHEDULER_DASHBOARD_PORT", "-1",
                        "JCLOUD_CLUSTER_TAGS", "team=ml, cost-center=42,",
                        "JCLOUD_WORKER_RESOURCES", "GPU=1",
                        "JCLOUD_PRICES", "aws/us-east-1/m6i.large=0.096"))
                .load();

        assertThat(s.cluster().workers()).isEqualTo(8);
        assertThat(s.worker().memoryLimit()).contains(ByteSize.ofGiB(2));
        assertThat(s.value(TestingSections.AWS_REGION)).contains("eu-west-1");
        assertThat(s.cluster().provider()).isEqualTo("fargate");
        assertThat(s.security().tls()).isEqualTo(TlsMode.OFF);
        assertThat(s.security().tlsEnabledFor(true)).isFalse();
        assertThat(s.value(TestingSections.AWS_SPOT)).isTrue();
        assertThat(s.scheduler().dashboardEnabled()).isFalse();
        assertThat(s.cluster().tags()).containsExactly(Map.entry("team", "ml"), Map.entry("cost-center", "42"));
        assertThat(s.worker().resources()).containsExactly(Map.entry("GPU", 1.0));
        assertThat(s.prices()).containsExactly(Map.entry("aws/us-east-1/m6i.large", 0.096));
    }

    @Test
    void emptyReservedAndInternalVariablesAreIgnored() {
        Settings s = loader().env(Map.of(
                        "JCLOUD_CLUSTER_WORKERS", "",
                        "JCLOUD_HOME", "/opt/jcloud",
                        "JCLOUD_STATE_DIR", "/tmp/state",
                        "JCLOUD_DEBUG", "1",
                        "JCLOUD_OPTS", "-Xmx1g",
                        "JCLOUD_INTERNAL_SCHEDULER_ADDRESS", "10.0.0.1:8786",
                        "PATH", "/usr/bin",
                        "XDG_CONFIG_HOME", "/nowhere"))
                .load();

        assertThat(s).isEqualTo(TestingSections.builder().load());
    }

    @Test
    void mapsMergeEntryByEntryAcrossSources() throws IOException {
        write(userFile, """
                cluster:
                  tags:
                    owner: alice
                    team: infra
                """);
        write(projectFile, """
                cluster:
                  tags:
                    team: ml
                    project: churn
                """);
        Settings s = loader().env(Map.of("JCLOUD_CLUSTER_TAGS", "stage=dev"))
                .withFlags(Map.of("cluster.tags.owner", "bob"), Map.of("cluster.tags.owner", "--tag"))
                .load();

        assertThat(s.cluster().tags())
                .containsExactly(
                        Map.entry("owner", "bob"),
                        Map.entry("team", "ml"),
                        Map.entry("project", "churn"),
                        Map.entry("stage", "dev"));
        assertThat(s.explain())
                .filteredOn(v -> v.key().startsWith("cluster.tags"))
                .extracting(SettingValue::key, SettingValue::source)
                .containsExactly(
                        tuple("cluster.tags.owner", "flag --tag"),
                        tuple("cluster.tags.team", projectFile.toString()),
                        tuple("cluster.tags.project", projectFile.toString()),
                        tuple("cluster.tags.stage", "env JCLOUD_CLUSTER_TAGS"));
    }

    @Test
    void theAdaptGoalIsCostUnlessSetAndMustBeOneOfTheGoals() throws IOException {
        write(userFile, """
                cluster:
                  adapt: {max: 10, goal: Latency}
                """);
        assertThat(loader().load().cluster().adapt()).contains(new Adapt(0, 10, Duration.ofSeconds(5), "latency"));
    }

    @Test
    void anAdaptSectionTurnsAdaptiveScalingOnAndAHigherSourceCanTurnItOff() throws IOException {
        write(userFile, """
                cluster:
                  adapt:
                    max: 10
                """);
        Settings on = loader().load();
        assertThat(on.cluster().adapt()).contains(new Adapt(0, 10, Duration.ofSeconds(5)));
        assertThat(on.explain())
                .extracting(SettingValue::key)
                .contains("cluster.adapt", "cluster.adapt.min", "cluster.adapt.max");

        write(projectFile, """
                cluster:
                  adapt: null
                """);
        Settings off = loader().load();
        assertThat(off.cluster().adapt()).isEmpty();
        assertThat(off.explain())
                .extracting(SettingValue::key)
                .contains("cluster.adapt")
                .doesNotContain("cluster.adapt.max");

        Settings again = loader().env(Map.of("JCLOUD_CLUSTER_ADAPT_MIN", "2")).load();
        assertThat(again.cluster().adapt()).contains(new Adapt(2, 10, Duration.ofSeconds(5)));

        Settings emptySection = TestingSections.builder()
                .withFlags(Map.of("cluster.adapt", "on"), Map.of())
                .load();
        assertThat(emptySection.cluster().adapt()).contains(new Adapt(0, 0, Duration.ofSeconds(5)));

        Settings explicitOff = loader().env(Map.of("JCLOUD_CLUSTER_ADAPT", "false", "JCLOUD_CLUSTER_ADAPT_MAX", "3"))
                .load();
        assertThat(explicitOff.cluster().adapt()).isEmpty();
    }

    @Test
    void flagsWithoutADisplayNameAreShownByTheirKey() {
        Settings s = TestingSections.builder()
                .withFlags(Map.of("gcp.project", "my-project"), Map.of())
                .load();

        assertThat(s.value(TestingSections.GCP_PROJECT)).contains("my-project");
        assertThat(s.explain()).contains(new SettingValue("gcp.project", "my-project", "flag gcp.project"));
    }

    @Test
    void blankValuesUnsetOptionalSettings() throws IOException {
        write(userFile, "aws:\n  region: us-east-1\n  subnet: subnet-1\n");
        write(projectFile, "aws:\n  region: null\n");
        Settings s = loader().withFlags(Map.of("aws.subnet", ""), Map.of()).load();

        assertThat(s.value(TestingSections.AWS_REGION)).isEmpty();
        assertThat(s.value(TestingSections.AWS_SUBNET)).isEmpty();
    }

    @Test
    void tlsAutoIsOnForRemoteProvidersOnly() {
        Settings s = TestingSections.builder()
                .env(Map.of("JCLOUD_CLUSTER_PROVIDER", "gcp"))
                .load();
        assertThat(s.security().tlsEnabledFor(true)).isTrue();
        assertThat(s.security().tlsEnabledFor(false)).isFalse();

        Settings forced = TestingSections.builder()
                .env(Map.of("JCLOUD_SECURITY_TLS", "TRUE"))
                .load();
        assertThat(forced.security().tls()).isEqualTo(TlsMode.ON);
        assertThat(forced.security().tlsEnabledFor(false)).isTrue();
    }

    @Test
    void yamlScalarsAreReadAsWritten() throws IOException {
        write(projectFile, """
                cluster:
                  name: etl-nightly
                  idle-timeout: off
                  workers: +3
                worker:
                  memory-limit: 4294967296
                  spill-fraction: .5
                  resources: {GPU: 2, "tpu.v4": 0.5}
                security:
                  tls: true
                aws:
                  allow-from: 2001:db8::/64
                azure:
                  billing-minimum: PT2M
                """);
        Settings s = loader().load();

        assertThat(s.cluster().name()).contains("etl-nightly");
        assertThat(s.cluster().idleTimeout()).isZero();
        assertThat(s.cluster().workers()).isEqualTo(3);
        assertThat(s.worker().memoryLimit()).contains(ByteSize.ofGiB(4));
        assertThat(s.worker().spillFraction()).isEqualTo(0.5);
        assertThat(s.worker().resources()).containsExactly(Map.entry("GPU", 2.0), Map.entry("tpu.v4", 0.5));
        assertThat(s.security().tls()).isEqualTo(TlsMode.ON);
        assertThat(s.value(TestingSections.AWS_ALLOW_FROM)).contains("2001:db8::/64");
        assertThat(s.value(TestingSections.AZURE_BILLING_MINIMUM)).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void emptyAndCommentOnlyFilesAreFine() throws IOException {
        write(userFile, "");
        write(projectFile, "# nothing yet\ncluster:\n");
        assertThat(loader().load()).isEqualTo(TestingSections.builder().load());
    }

    @Test
    void missingFilesAreSkipped() {
        assertThat(TestingSections.builder()
                        .userFile(dir.resolve("absent.yaml"))
                        .projectFile(dir.resolve("also-absent.yaml"))
                        .load())
                .isEqualTo(TestingSections.builder().load());
    }

    @Test
    void theSameFileAsUserAndProjectFileIsReadOnce() throws IOException {
        write(userFile, "cluster:\n  workers: 2\n");
        Settings s = loader().projectFile(userFile).load();
        assertThat(s.explain()).contains(new SettingValue("cluster.workers", "2", "~/.config/jcloud/jcloud.yaml"));
    }

    @Test
    void relativeFilesAreShownFromTheWorkingDirectory() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                ConfigException.class,
                () -> TestingSections.builder()
                        .withFlags(Map.of("cluster.workers", "-1"), Map.of())
                        .load());
        assertThat(e).hasMessage("cluster.workers: cluster.workers must be ≥ 0 (was -1)");
        assertThat(Source.display(Path.of("jcloud.yaml"), home)).isEqualTo("./jcloud.yaml");
        assertThat(Source.display(Path.of("../x/jcloud.yaml"), home)).isEqualTo("../x/jcloud.yaml");
        assertThat(Source.display(home.resolve("a/b.yaml"), home)).isEqualTo("~/a/b.yaml");
        assertThat(Source.display(home.resolve("a/b.yaml"), null))
                .isEqualTo(home.resolve("a/b.yaml").toString());
    }

    @Test
    void toYamlIsAcceptedBackAndGivesEqualSettings() throws IOException {
        write(projectFile, """
                cluster:
                  name: demo
                  provider: aws
                  no-client-timeout: 1h
                  tags: {team: ml, "cost center": "42"}
                  adapt: {min: 1, max: 8, target-duration: 10s}
                worker:
                  memory-limit: 3GiB
                  resources: {GPU: 1}
                security:
                  tls: false
                aws:
                  region: us-gov-west-1
                  allow-from: 10.0.0.0/8
                prices:
                  aws/us-east-1/m6i.large: 0.096
                """);
        Settings s = loader().load();
        String yaml = s.toYaml();

        Path copy = dir.resolve("copy.yaml");
        write(copy, yaml);
        assertThat(TestingSections.builder().projectFile(copy).load()).isEqualTo(s);
        assertThat(yaml)
                .contains(
                        "workers: 4",
                        "idle-timeout: 20m",
                        "memory-limit: 3GiB",
                        "no-client-timeout: 1h",
                        "tls: false",
                        "team: ml");
        assertThat(Settings.defaults().toYaml()).doesNotContain("adapt");
    }

    @Test
    void declaredSecretsAreNeverShown() {
        Settings s = TestingSections.builder()
                .env(Map.of("JCLOUD_AWS_ACCESS_KEY", "AKIAEXAMPLE"))
                .load();
        assertThat(s.value(TestingSections.AWS_ACCESS_KEY)).contains("AKIAEXAMPLE");
        assertThat(s.explain())
                .contains(new SettingValue("aws.access-key", Redactor.MASK, "env JCLOUD_AWS_ACCESS_KEY"));
        assertThat(s.toYaml()).contains("access-key: '" + Redactor.MASK + "'").doesNotContain("AKIAEXAMPLE");
        assertThat(s.toString()).doesNotContain("AKIAEXAMPLE");
    }

    @Test
    void explainListsEveryKeyOnceInSchemaOrder() {
        assertThat(TestingSections.builder().load().explain())
                .extracting(SettingValue::key)
                .startsWith("cluster.name", "cluster.provider", "cluster.workers")
                .contains("cluster.tags", "worker.resources", "aws.allow-from", "azure.billing-minimum")
                .endsWith("prices")
                .doesNotHaveDuplicates();
        assertThat(TestingSections.builder().load().explain())
                .contains(
                        new SettingValue("worker.memory-limit", "auto", "default"),
                        new SettingValue("aws.region", "null", "default"),
                        new SettingValue("cluster.tags", "{}", "default"),
                        new SettingValue("worker.spill-fraction", "0.6", "default"),
                        new SettingValue("security.tls", "auto", "default"),
                        new SettingValue("cluster.adapt", "false", "default"));
    }

    @Test
    void settingsEqualityIgnoresWhereValuesCameFrom() throws IOException {
        write(projectFile, "cluster:\n  workers: 4\n");
        Settings fromFile = loader().load();
        Settings defaults = TestingSections.builder().load();
        assertThat(fromFile).isEqualTo(defaults).hasSameHashCodeAs(defaults);
        assertThat(fromFile.explain()).isNotEqualTo(defaults.explain());
    }

    @Test
    void loadersAreImmutable() {
        SettingsLoader base = TestingSections.builder();
        base.env(Map.of("JCLOUD_CLUSTER_WORKERS", "9"));
        assertThat(base.load().cluster().workers()).isEqualTo(4);
    }

    @Test
    void secretTagsAreMaskedInExplainAndYamlAndErrors() {
        Settings s = TestingSections.builder()
                .withFlags(Map.of("cluster.tags", "api-token=abc123,owner=me"), Map.of())
                .load();

        assertThat(s.cluster().tags()).containsEntry("api-token", "abc123");
        assertThat(s.explain())
                .contains(
                        new SettingValue("cluster.tags.api-token", "******", "flag cluster.tags"),
                        new SettingValue("cluster.tags.owner", "me", "flag cluster.tags"));
        assertThat(s.toYaml()).contains("api-token: '******'").doesNotContain("abc123");

        assertThatThrownBy(() -> TestingSections.builder()
                        .withFlags(Map.of("cluster.tags.db-password", "x".repeat(300)), Map.of())
                        .load())
                .hasMessage("cluster.tags.db-password: cluster.tags.db-password must be at most"
                        + " 256 characters long (was ******)");
        assertThat(Optional.of(s.toString())).isPresent();
    }
}
