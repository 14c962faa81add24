package dev.jcloud.cli;

import dev.jcloud.picocli.AutoComplete;
import dev.jcloud.picocli.CommandLine.Command;
import dev.jcloud.picocli.CommandLine.Model.CommandSpec;
import dev.jcloud.picocli.CommandLine.Spec;
import java.util.concurrent.Callable;

/** {@code jcloud completion}: a bash/zsh completion script on stdout. */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = {"Print a bash (and zsh) completion script.", "Use it with:", "  source <(jcloud completion)"})
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String script = AutoComplete.bash(spec.root().name(), spec.root().commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
