package dev.jcloud.cli;

import dev.jcloud.engine.process.EngineMain;
import dev.jcloud.engine.process.JoinCommand;
import dev.jcloud.engine.process.ProcessLogging;
import dev.jcloud.engine.process.SchedulerCommand;
import dev.jcloud.engine.process.WorkerCommand;
import dev.jcloud.provisioner.CloudProviders;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.UsageMessageSpec;

/** Entry point of the {@code jcloud} command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        if (args.length > 0
                && (args[0].equals("scheduler") || args[0].equals("worker"))
                && !java.util.Arrays.asList(args).contains("--help")
                && !java.util.Arrays.asList(args).contains("-h")) {
            // An engine role: log like one, and read the flags as a machine's engine process does, without
            // building any command tree (its help comes from the tree, like every command's).
            ProcessLogging.configure();
            System.exit(EngineMain.run(
                    "jcloud " + args[0],
                    EngineMain.role(args[0]),
                    java.util.Arrays.asList(args).subList(1, args.length),
                    new PrintWriter(System.err, true)));
        }
        if (java.util.Arrays.asList(args).contains("--debug") && System.getProperty("jcloud.log.level") == null) {
            System.setProperty("jcloud.log.level", "INFO");
        }
        // Quiet by default: the CLI prints its own messages; --debug or -Djcloud.log.level shows the log.
        ProcessLogging.configure("WARN");
        CommandLine one = oneCommand(args);
        System.exit(
                one != null
                        ? one.execute(java.util.Arrays.copyOfRange(args, depth(one), args.length))
                        : commandLine().execute(args));
    }

    /**
     * The command line of just the command {@code args} name ({@code jcloud cluster up ...}), with
     * the same name and error handling as in the whole tree, or null when {@code args} need the
     * whole tree (help, completion, a mistyped command: picocli's messages there list the others).
     * Building picocli's model of every command and option costs a short command a third of its
     * CPU time; its annotations name the way down.
     */
    static CommandLine oneCommand(String[] args) {
        Class<?> at = JcloudCommand.class;
        StringBuilder name = new StringBuilder("jcloud");
        for (String word : args) {
            Class<?> next = subcommand(at, word);
            if (next == null) {
                break;
            }
            at = next;
            name.append(' ').append(word);
            if (subcommandsOf(at).length == 0) {
                if (at == CompletionCommand.class) {
                    return null; // it prints the whole tree
                }
                CommandLine cl = withErrorHandling(new CommandLine(newInstance(at)));
                if (ProviderFlags.Taker.class.isAssignableFrom(at)) {
                    ProviderFlags.addTo(cl, CloudProviders.load());
                }
                cl.setUsageHelpAutoWidth(true);
                return cl.setCommandName(name.toString());
            }
        }
        return null;
    }

    /** How many words of the arguments named the command: its name has one more word each. */
    private static int depth(CommandLine cl) {
        return cl.getCommandName().split(" ").length - 1;
    }

    private static Class<?> subcommand(Class<?> parent, String word) {
        for (Class<?> c : subcommandsOf(parent)) {
            CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
            if (command != null
                    && (command.name().equals(word)
                            || java.util.Arrays.asList(command.aliases()).contains(word))) {
                return c;
            }
        }
        return null;
    }

    private static Class<?>[] subcommandsOf(Class<?> c) {
        CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
        return command == null ? new Class<?>[0] : command.subcommands();
    }

    private static Object newInstance(Class<?> c) {
        try {
            var constructor = c.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + c.getName(), e);
        }
    }

    /**
     * The whole command tree with jcloud's error conventions: a user error prints one line
     * {@code error: ...} and exits 2 (usage) or 1 (the operation failed), with a stack trace only
     * under {@code --debug} or {@code JCLOUD_DEBUG=1}.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new JcloudCommand());
        // The engine roles, exactly as the engine defines them, so a machine runs `jcloud worker ...`.
        cl.addSubcommand("scheduler", EngineRoleCommand.of(SchedulerCommand.ROLE));
        cl.addSubcommand("worker", EngineRoleCommand.of(WorkerCommand.ROLE));
        // A fixed (Terraform) cluster's credentials, for a user who holds its join token.
        cl.addSubcommand("join", EngineRoleCommand.of(JoinCommand.ROLE));
        CloudProviders providers = CloudProviders.load();
        ProviderFlags.addTo(cl, providers);
        addProvidersSection(cl.getCommandSpec().usageMessage(), providers);
        // Help fills the terminal's width (80 columns when the output is not a terminal); descriptions
        // are whole sentences that picocli wraps, never lines broken by hand.
        cl.setUsageHelpAutoWidth(true);
        return withErrorHandling(cl);
    }

    /**
     * The providers of this build, for {@code jcloud --help}: what {@code --provider} accepts, as a
     * table above the footer whose descriptions wrap at the help's width.
     */
    private static void addProvidersSection(UsageMessageSpec usage, CloudProviders providers) {
        String key = "providers";
        usage.sectionMap().put(key, help -> providersTable(help, providers));
        List<String> keys = new ArrayList<>(usage.sectionKeys());
        keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), key);
        usage.sectionKeys(keys);
    }

    private static String providersTable(Help help, CloudProviders providers) {
        int nameWidth = 2;
        for (var p : providers.all()) {
            nameWidth = Math.max(nameWidth, p.name().length() + 4);
        }
        int width = help.commandSpec().usageMessage().width();
        TextTable table = TextTable.forColumns(
                help.colorScheme(),
                new Column(nameWidth, 2, Column.Overflow.SPAN),
                new Column(width - nameWidth, 1, Column.Overflow.WRAP));
        for (var p : providers.all()) {
            table.addRowValues(p.name(), p.description());
        }
        return String.format("%nProviders in this build (--provider):%n") + table;
    }

    private static CommandLine withErrorHandling(CommandLine cl) {
        ErrorHandler handler = new ErrorHandler();
        cl.setParameterExceptionHandler(handler);
        cl.setExecutionExceptionHandler(handler);
        return cl;
    }

    /** {@link #commandLine()} writing to the given streams (tests run the CLI in-process with these). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl;
    }
}
