package dev.jcloud.cli;

import dev.jcloud.engine.process.EngineMain;
import dev.jcloud.engine.process.ProcessFlags;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code jcloud scheduler|worker|join}: an engine role in the command tree, its options made from
 * the role's own flag list ({@link ProcessFlags.Role}), so that help, completion and the engine's
 * parser agree. Running it hands the arguments to the engine ({@link EngineMain#run}), which reads
 * them as a machine's {@code jcloud-engine} process does.
 */
final class EngineRoleCommand implements Callable<Integer> {

    private final ProcessFlags.Role role;
    private CommandSpec spec;

    private EngineRoleCommand(ProcessFlags.Role role) {
        this.role = role;
    }

    /** The picocli command of {@code role}. */
    static CommandLine of(ProcessFlags.Role role) {
        EngineRoleCommand command = new EngineRoleCommand(role);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(role.name());
        spec.mixinStandardHelpOptions(true);
        spec.usageMessage().description(role.summary());
        if (role.positional() != null) {
            spec.addPositional(PositionalParamSpec.builder()
                    .index("0")
                    .paramLabel(role.positional())
                    .description(role.positionalDescription())
                    .type(String.class)
                    .build());
        }
        for (ProcessFlags.Flag f : role.flags()) {
            OptionSpec.Builder option = OptionSpec.builder(f.name()).description(describe(f));
            if (f.isSwitch()) {
                option.type(boolean.class).arity("0..1").fallbackValue("true").paramLabel("true|false");
            } else if (f.isRepeatable()) {
                option.type(List.class).auxiliaryTypes(String.class).arity("1").paramLabel(f.label());
            } else {
                option.type(String.class).paramLabel(f.label());
            }
            spec.addOption(option.build());
        }
        command.spec = spec;
        // As for the engine's own parser: a flag given twice takes its last value.
        return new CommandLine(spec).setOverwrittenOptionsAllowed(true);
    }

    private static String describe(ProcessFlags.Flag f) {
        return f.defaultValue() == null || f.isSwitch()
                ? f.description()
                : f.description() + " Default: " + f.defaultValue() + ".";
    }

    @Override
    public Integer call() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        // Within the whole tree the arguments start with the words that named the command.
        List<String> args = spec.parent() == null
                ? original
                : new ArrayList<>(original.subList(original.indexOf(role.name()) + 1, original.size()));
        PrintWriter err = spec.commandLine().getErr();
        return EngineMain.run(spec.qualifiedName(), role, args, err);
    }
}
