package dev.jcloud.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Problems with the shape of a settings file rather than with one value. */
class YamlSourceTest {

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
        return problemsOfFile();
    }

    private List<String> problemsOfFile() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> TestingSections.builder().home(home).userFile(userFile).load());
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.problems();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "cluster:\\n  wrokers: 3 | unknown key 'cluster.wrokers' (did you mean 'cluster.workers'?)",
                "cluster:\\n  idleTimeout: 3m | unknown key 'cluster.idleTimeout' (did you mean"
                        + " 'cluster.idle-timeout'?)",
                "cluster:\\n  idle_timeout: 3m | unknown key 'cluster.idle_timeout' (did you mean"
                        + " 'cluster.idle-timeout'?)",
                "workers: 3 | unknown key 'workers' (did you mean 'cluster.workers'?)",
                "worker:\\n  idle-timeout: 3m | unknown key 'worker.idle-timeout' (did you mean"
                        + " 'cluster.idle-timeout'?)",
                "clustr:\\n  workers: 3 | unknown key 'clustr' (did you mean 'cluster'?)",
                "cluster:\\n  adapt:\\n    maximum: 3 | unknown key 'cluster.adapt.maximum' (did you mean"
                        + " 'cluster.adapt.max'?)",
                "aws:\\n  regoin: us-east-1 | unknown key 'aws.regoin' (did you mean 'aws.region'?)",
                "cluster:\\n  banana: 3 | unknown key 'cluster.banana'",
                "cluster.workers: 3 | unknown key 'cluster.workers' (YAML keys nest: write 'cluster:' and,"
                        + " indented below it, 'workers:')",
            })
    void namesUnknownKeysAndSuggestTheLikelyOne(String yaml, String message) throws IOException {
        assertThat(problems(yaml.replace("\\n", "\n"))).containsExactly(USER + message);
    }

    @Test
    void reportsMalformedYamlWithItsLine() throws IOException {
        assertThat(problems("cluster:\n  workers: 3\n   x: [\n"))
                .containsExactly(USER + "line 3, column 5: not valid YAML: mapping values are not allowed here");
        assertThat(problems("cluster:\n\tworkers: 3\n"))
                .singleElement()
                .asString()
                .startsWith(USER + "line 2, column 1: not valid YAML: ")
                .contains("TAB");
        assertThat(problems("cluster:\n  name: 'open\n"))
                .singleElement()
                .asString()
                .startsWith(USER + "line 3, column 1: not valid YAML: while scanning a quoted"
                        + " scalar: found unexpected end of stream");
    }

    @Test
    void aSyntaxErrorIsTheOnlyProblemReportedForItsFile() throws IOException {
        assertThat(problems("cluster:\n  workers: -1\n  wrokers: 2\n  x: : [\n"))
                .singleElement()
                .asString()
                .startsWith(USER + "line 4, column 6: not valid YAML");
    }

    @Test
    void rejectsDuplicateKeysWithTheirLine() throws IOException {
        assertThat(problems("""
                cluster:
                  workers: 2
                  workers: 3
                  tags:
                    a: x
                    a: y
                """))
                .containsExactly(
                        USER + "line 3: duplicate key 'cluster.workers'",
                        USER + "line 6: duplicate key 'cluster.tags.a'");
    }

    @Test
    void rejectsAliasesInsteadOfMisreadingThem() throws IOException {
        assertThat(problems("""
                cluster:
                  workers: &n 3
                  adapt:
                    max: *n
                """))
                .containsExactly(USER + "line 4: cluster.adapt.max uses a YAML alias, which"
                        + " jcloud does not support; write the value out");
    }

    @Test
    void rejectsAWrongTopLevelAndWrongSections() throws IOException {
        assertThat(problems("- cluster\n"))
                .containsExactly(USER + "the top level must be a mapping of sections like 'cluster:' (was a list)");
        assertThat(problems("just text\n"))
                .containsExactly(
                        USER + "the top level must be a mapping of sections like 'cluster:'" + " (was 'just text')");
        assertThat(problems("cluster: 5\naws: [a]\n"))
                .containsExactly(
                        USER + "cluster must be a mapping of settings (was '5')",
                        USER + "aws must be a mapping of settings (was a list)");
    }

    @Test
    void rejectsSeveralDocuments() throws IOException {
        assertThat(problems("cluster:\n  workers: 2\n---\ncluster:\n  workers: 3\n"))
                .containsExactly(USER + "only one YAML document is supported (another starts at line 4)");
    }

    @Test
    void reportsFilesThatCannotBeRead() throws IOException {
        Files.write(userFile, new byte[] {'a', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        assertThat(problemsOfFile()).containsExactly(USER + "cannot read: the file is not UTF-8 text");

        Files.delete(userFile);
        Files.createDirectory(userFile);
        assertThat(problemsOfFile()).singleElement().asString().startsWith(USER + "cannot read: ");
    }

    @Test
    void unknownSectionsAreReportedOnceNotPerChild() throws IOException {
        assertThat(problems("provisioner:\n  a: 1\n  b: 2\n")).hasSize(1);
    }
}
