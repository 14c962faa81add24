package dev.jcloud.provisioner.boot;

import dev.jcloud.provisioner.EngineCommand;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every shape of rendered boot script passes shellcheck (bash, all severities). */
class BootScriptShellcheckTest {

    private static final EngineArtifact JAR = EngineArtifact.of(URI.create("https://e.example/e.jar"), "0".repeat(64));
    private static final EngineArtifact TARBALL =
            EngineArtifact.of(URI.create("https://e.example/e.tar.gz?sig=a&b='c'"), "1".repeat(64));

    @Test
    void theResourceItselfIsClean() throws Exception {
        try (var in = BootScript.class.getResourceAsStream(BootScript.RESOURCE)) {
            Shellcheck.assertClean(
                    BootScript.RESOURCE, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPlainSchedulerScriptIsClean() throws Exception {
        Shellcheck.assertClean(
                "a scheduler",
                BootScript.builder(EngineCommand.scheduler(), JAR).build().render());
    }

    @Test
    void aScriptWithEveryHookAndHostileValuesIsClean() throws Exception {
        for (String hostile : BootScriptTest.HOSTILE) {
            EngineCommand command = EngineCommand.worker(hostile)
                    .with("--name", "placeholder")
                    .with("--tag", hostile)
                    .with("--tls-cert", BootScript.SECRETS + "worker.pem");
            String script = BootScript.builder(command, TARBALL)
                    .env("JCLOUD_CLUSTER", hostile)
                    .jvmOption("-Dtag=" + hostile)
                    .nodeNames("--name", List.of("w-0", hostile), BootStep.shell("echo 0"))
                    .engineDownloadHeader(BootStep.shell("printf 'Authorization: Bearer %s\\n' token"))
                    .joinToken(BootStep.engineMain("dev.example.TokenFiles", List.of(hostile)), "join-token")
                    .secrets(BootStep.engineMain("dev.example.SecretFiles", List.of(hostile, "ca.pem")))
                    .watcher(BootStep.shell(": > \"$JCLOUD_HOME/interrupted\""))
                    .build()
                    .render();
            Shellcheck.assertClean("a worker with every hook and value " + hostile, script);
        }
    }

    @Test
    void aShellJoinTokenStepIsClean() throws Exception {
        Shellcheck.assertClean(
                "a shell join-token step",
                BootScript.builder(EngineCommand.scheduler(), JAR)
                        .joinToken(BootStep.shell("cat /dev/null > \"$1/join-token\""), "join-token")
                        .build()
                        .render());
    }
}
