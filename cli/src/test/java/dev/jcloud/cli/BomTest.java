package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** jcloud-bom pins every artifact the build publishes, so a user's build needs one version only. */
class BomTest {

    /** Modules that are part of the build but never used by a user's project. */
    private static final List<String> NOT_FOR_USERS = List.of("providers/testing", "bom");

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern ARTIFACT_ID = Pattern.compile("<artifactId>([^<]+)</artifactId>");

    @Test
    void listsTheArtifactOfEveryModule() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String bom = Files.readString(root.resolve("bom/pom.xml"));
        List<String> missing = new ArrayList<>();
        Matcher modules = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
        while (modules.find()) {
            String module = modules.group(1);
            if (NOT_FOR_USERS.contains(module)) {
                continue;
            }
            String artifactId =
                    ownArtifactId(Files.readString(root.resolve(module).resolve("pom.xml")));
            if (!bom.contains("<artifactId>" + artifactId + "</artifactId>")) {
                missing.add(module + " (" + artifactId + ")");
            }
        }
        assertThat(missing)
                .as("modules whose artifact bom/pom.xml does not list")
                .isEmpty();
    }

    /** The module's own artifactId: the first one after its parent block. */
    private static String ownArtifactId(String pom) {
        Matcher m = ARTIFACT_ID.matcher(pom.substring(pom.indexOf("</parent>")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
