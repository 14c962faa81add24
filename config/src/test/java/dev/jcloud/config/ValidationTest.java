package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rule of the schema, checked through the loader with the exact message users see. */
class ValidationTest {

    private static final String USER = "~/.config/jcloud/jcloud.yaml: ";

    @TempDir
    Path home;

    Path userFile;

    @BeforeEach
    void paths() throws IOException {
        userFile = home.resolve(".config/jcloud/jcloud.yaml");
        Files.createDirectories(userFile.getParent());
    }

    private List<String> problems(String yaml) throws IOException {
        Files.writeString(userFile, yaml);
        return catchThrowableOfType(
                        ConfigException.class,
                        () -> TestingSections.builder()
                                .home(home)
                                .userFile(userFile)
                                .load())
                .problems();
    }

    private static List<String> envProblems(Map<String, String> env) {
        return catchThrowableOfType(
                        ConfigException.class,
                        () -> TestingSections.builder().env(env).load())
                .problems();
    }

    /** {@code key} set to {@code value} in the user file gives exactly {@code message}. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "cluster.workers | -3 | cluster.workers must be ≥ 0 (was -3)",
                "cluster.workers | many | cluster.workers must be a whole number (was 'many')",
                "cluster.workers | 2.5 | cluster.workers must be a whole number (was '2.5')",
                "cluster.workers | 99999999999 | cluster.workers must be ≤ 2147483647 (was 99999999999)",
                "cluster.workers | null | cluster.workers must be a whole number (was null)",
                "cluster.workers | [1, 2] | cluster.workers must be a single value (was a list)",
                "cluster.name | My_Cluster | cluster.name must be 2 to 40 lowercase letters, digits or '-',"
                        + " starting with a letter and not ending with '-' (was 'My_Cluster')",
                "cluster.name | a | cluster.name must be 2 to 40 lowercase letters, digits or '-',"
                        + " starting with a letter and not ending with '-' (was 'a')",
                "cluster.name | etl- | cluster.name must be 2 to 40 lowercase letters, digits or '-',"
                        + " starting with a letter and not ending with '-' (was 'etl-')",
                "cluster.provider | ec2 | cluster.provider must be one of local, aws, fargate, gcp, azure"
                        + " (the providers in this build) (was 'ec2')",
                "cluster.idle-timeout | soon | cluster.idle-timeout must be a duration like 30s, 15m or"
                        + " 1h30m, or off (was 'soon')",
                "cluster.no-client-timeout | -5m | cluster.no-client-timeout must be a duration like 30s,"
                        + " 15m or 1h30m, or off (was '-5m')",
                "cluster.death-timeout | 1 | cluster.death-timeout must be a duration like 30s, 15m or"
                        + " 1h30m, or off (was '1')",
                "cluster.wait-timeout | true | cluster.wait-timeout must be a duration like 30s, 15m or"
                        + " 1h30m, or off (was 'true')",
                "cluster.tags | team | cluster.tags must be a mapping of names to values (was 'team')",
                "cluster.adapt | maybe | cluster.adapt must be true or false, or a mapping of its settings"
                        + " (was 'maybe')",
                "cluster.adapt | [1] | cluster.adapt must be true or false, or a mapping of its settings"
                        + " (was a list)",
                "scheduler.port | 70000 | scheduler.port must be between 0 and 65535 (was 70000)",
                "scheduler.port | -1 | scheduler.port must be between 0 and 65535 (was -1)",
                "scheduler.dashboard-port | -2 | scheduler.dashboard-port must be between -1 (off) and"
                        + " 65535 (was -2)",
                "worker.nthreads | -1 | worker.nthreads must be ≥ 0 (was -1)",
                "worker.memory-limit | 12x | worker.memory-limit must be auto or a size like 4GiB (was '12x')",
                "worker.memory-limit | 10MiB | worker.memory-limit must be auto or at least 64MiB" + " (was 10MiB)",
                "worker.spill-fraction | 1.5 | worker.spill-fraction must be > 0 and ≤ 1 (was 1.5)",
                "worker.pause-fraction | 0 | worker.pause-fraction must be > 0 and ≤ 1 (was 0)",
                "worker.terminate-fraction | .inf | worker.terminate-fraction must be a number (was '.inf')",
                "worker.terminate-fraction | 1e999 | worker.terminate-fraction must be a finite number"
                        + " (was '1e999')",
                "security.tls | maybe | security.tls must be one of auto, true, false (was 'maybe')",
                "aws.region | useast | aws.region must be an AWS region like us-east-1 (was 'useast')",
                "aws.spot | yes | aws.spot must be true or false (was 'yes')",
                "aws.worker-type | \"''\" | aws.worker-type must be a non-empty string (was '')",
                "aws.allow-from | 10.0.0.0/33 | aws.allow-from must be an IPv4 or IPv6 CIDR block like"
                        + " 203.0.113.7/32 or 2001:db8::/64 (was '10.0.0.0/33')",
                "aws.allow-from | 10.0.0.1 | aws.allow-from must be an IPv4 or IPv6 CIDR block like"
                        + " 203.0.113.7/32 or 2001:db8::/64 (was '10.0.0.1')",
                "fargate.worker-cpu | 1000 | fargate.worker-cpu must be one of 256, 512, 1024, 2048, 4096,"
                        + " 8192, 16384 (was 1000)",
                "fargate.worker-memory | 256 | fargate.worker-memory must be a whole number from 512 to 122880"
                        + " (was 256)",
                "fargate.image | {a: b} | fargate.image must be a single value (was a mapping)",
                "gcp.zone | null | gcp.zone must be a non-empty string (was null)",
                "azure.billing-minimum | a minute | azure.billing-minimum must be a duration like 30s, 15m"
                        + " or 1h30m, or off (was 'a minute')",
                "prices | 0.1 | prices must be a mapping of names to values (was '0.1')",
            })
    void rejectsBadValuesWithExactMessages(String key, String value, String message) throws IOException {
        assertThat(problems(yaml(key, value))).containsExactly(USER + message);
    }

    @Test
    void checksTagNamesAndValues() throws IOException {
        assertThat(problems("""
                cluster:
                  tags:
                    %s: x
                    "": y
                    "tab\\there": z
                    ok: "%s"
                    bell: "ring\\a"
                    nothing: null
                    nested: {a: b}
                """.formatted("k".repeat(129), "v".repeat(257))))
                .containsExactly(
                        USER + "cluster.tags key '" + "k".repeat(80) + "…' must be 1 to 128"
                                + " characters long (was 129)",
                        USER + "cluster.tags key '' must be 1 to 128 characters long (was 0)",
                        USER + "cluster.tags key 'tab\\u0009here' must not contain control" + " characters",
                        USER + "cluster.tags.ok must be at most 256 characters long (was 257)",
                        USER + "cluster.tags.bell must not contain control characters",
                        USER + "cluster.tags.nothing must be a string (use '' for an empty value)" + " (was null)",
                        USER + "cluster.tags.nested must be a single value (was a mapping)");
    }

    @Test
    void tagsAcceptTheFullAllowedLengthsAndAnyPrintableText() throws IOException {
        Files.writeString(userFile, """
                cluster:
                  tags:
                    %s: "%s"
                    "Cost Center / ü": ""
                    number: 42
                """.formatted("k".repeat(128), "v".repeat(256)));
        Settings s = TestingSections.builder().userFile(userFile).load();
        assertThat(s.cluster().tags())
                .containsEntry("Cost Center / ü", "")
                .containsEntry("number", "42")
                .hasSize(3);
    }

    @Test
    void checksResourcesAndPrices() throws IOException {
        assertThat(problems("""
                worker:
                  resources: {GPU: 0, TPU: lots, " ": 1}
                prices:
                  m6i.large: 0.1
                  aws/us-east-1/m6i.large: -1
                  ec2/us-east-1/m6i.large: 1
                """))
                .containsExactly(
                        USER + "worker.resources.GPU must be a number > 0 (was 0)",
                        USER + "worker.resources.TPU must be a number (was 'lots')",
                        USER + "worker.resources key ' ' must be a non-empty name without control" + " characters",
                        USER + "prices key 'm6i.large' must look like <provider>/<region>/<type>,"
                                + " e.g. aws/us-east-1/m6i.large, with provider one of local, aws,"
                                + " fargate, gcp, azure",
                        USER + "prices.aws/us-east-1/m6i.large must be a price in USD per hour ≥ 0" + " (was -1)",
                        USER + "prices key 'ec2/us-east-1/m6i.large' must look like"
                                + " <provider>/<region>/<type>, e.g. aws/us-east-1/m6i.large, with"
                                + " provider one of local, aws, fargate, gcp, azure");
    }

    @Test
    void theAdaptGoalMustBeOneOfTheGoals() throws IOException {
        assertThat(problems("""
                        cluster:
                          adapt: {max: 3, goal: fast}
                        """))
                .singleElement()
                .asString()
                .contains("cluster.adapt.goal must be one of cost, balanced, latency");
    }

    @Test
    void checksHowValuesCombine() throws IOException {
        assertThat(problems("""
                cluster:
                  adapt: {min: 5, max: 2}
                worker:
                  spill-fraction: 0.9
                  pause-fraction: 0.85
                  terminate-fraction: 0.7
                fargate:
                  worker-memory: 1000
                """))
                .containsExactly(
                        USER + "cluster.adapt.min must be ≤ cluster.adapt.max (was 5 > 2)",
                        USER + "worker.spill-fraction must be ≤ worker.pause-fraction" + " (was 0.9 > 0.85)",
                        USER + "worker.pause-fraction must be ≤ worker.terminate-fraction" + " (was 0.85 > 0.7)",
                        USER + "fargate.worker-memory must be at least 2048 when"
                                + " fargate.worker-cpu is 1024 (was 1000)");
    }

    @Test
    void aCombinationErrorNamesEverySourceInvolved() throws IOException {
        Files.writeString(userFile, "worker:\n  pause-fraction: 0.7\n");
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> TestingSections.builder()
                        .home(home)
                        .userFile(userFile)
                        .env(Map.of("JCLOUD_WORKER_SPILL_FRACTION", "0.75"))
                        .load());
        assertThat(e)
                .hasMessage("JCLOUD_WORKER_SPILL_FRACTION, ~/.config/jcloud/jcloud.yaml:"
                        + " worker.spill-fraction must be ≤ worker.pause-fraction (was 0.75 > 0.7)");
    }

    @Test
    void environmentErrorsNameTheVariable() {
        assertThat(envProblems(Map.of(
                        "JCLOUD_SECURITY_TLS", "maybe",
                        "JCLOUD_CLUSTER_WROKERS", "3",
                        "JCLOUD_FROBNICATE", "1",
                        "JCLOUD_CLUSTER_TAGS", "team=ml,oops",
                        "JCLOUD_WORKER_MEMORY_LIMIT", "lots")))
                .containsExactly(
                        "JCLOUD_CLUSTER_TAGS: cluster.tags must be a comma-separated list of"
                                + " name=value pairs, e.g. a=1,b=2 (was 'team=ml,oops')",
                        "JCLOUD_CLUSTER_WROKERS: unknown variable (did you mean" + " 'JCLOUD_CLUSTER_WORKERS'?)",
                        "JCLOUD_FROBNICATE: unknown variable; JCLOUD_* variables set settings,"
                                + " e.g. JCLOUD_CLUSTER_WORKERS sets cluster.workers",
                        "JCLOUD_SECURITY_TLS: security.tls must be one of auto, true, false" + " (was 'maybe')",
                        "JCLOUD_WORKER_MEMORY_LIMIT: worker.memory-limit must be auto or a size"
                                + " like 4GiB (was 'lots')");
    }

    @Test
    void flagErrorsNameTheFlag() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> TestingSections.builder()
                        .withFlags(
                                Map.of("cluster.workers", "-3", "cluster.wrokers", "1", "cluster.provider", "ec2"),
                                Map.of(
                                        "cluster.workers",
                                        "--workers",
                                        "cluster.wrokers",
                                        "--wrokers",
                                        "cluster.provider",
                                        "--provider"))
                        .load());
        assertThat(e.problems())
                .containsExactly(
                        "--provider: cluster.provider must be one of local, aws, fargate, gcp, azure"
                                + " (the providers in this build) (was 'ec2')",
                        "--workers: cluster.workers must be ≥ 0 (was -3)",
                        "--wrokers: unknown key 'cluster.wrokers' (did you mean 'cluster.workers'?)");
    }

    @Test
    void everySourceIsCheckedEvenWhenOverriddenAndAllProblemsAreReportedTogether() throws IOException {
        Path project = home.resolve("project.yaml");
        Files.writeString(userFile, "cluster:\n  workers: many\n");
        Files.writeString(project, "scheduler:\n  port: 99999\n");
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> TestingSections.builder()
                        .home(home)
                        .userFile(userFile)
                        .projectFile(project)
                        .env(Map.of("JCLOUD_CLUSTER_WORKERS", "-1", "JCLOUD_SCHEDULER_PORT", "1"))
                        .withFlags(Map.of("cluster.workers", "2"), Map.of("cluster.workers", "--workers"))
                        .load());

        assertThat(e)
                .hasMessage(String.join(
                        "\n",
                        USER + "cluster.workers must be a whole number (was 'many')",
                        "~/project.yaml: scheduler.port must be between 0 and 65535 (was 99999)",
                        "JCLOUD_CLUSTER_WORKERS: cluster.workers must be ≥ 0 (was -1)"));
        assertThat(e.problems()).hasSize(3);
    }

    @Test
    void configExceptionNeedsAProblem() {
        assertThatThrownBy(() -> new ConfigException(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ConfigException("x: y must be z")).hasMessage("x: y must be z");
    }

    /** A YAML document setting the dotted {@code key} to the literal YAML {@code value}. */
    private static String yaml(String key, String value) {
        String[] parts = key.split("\\.");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            out.append("  ".repeat(i)).append(parts[i]).append(':');
            out.append(i == parts.length - 1 ? " " + value + "\n" : "\n");
        }
        return out.toString();
    }
}
