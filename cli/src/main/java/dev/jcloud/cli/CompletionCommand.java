package dev.jcloud.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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
