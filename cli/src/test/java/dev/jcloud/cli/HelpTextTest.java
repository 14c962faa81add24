package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Help that reads well: picocli prints every element of a description on a line of its own and
 * wraps each at the help's width, so an element must be whole sentences (or a list item), never a
 * sentence cut where the source code's line ended. A command's first element is its summary in
 * its parent's command list, so it is one whole sentence.
 */
class HelpTextTest {

    /** Where a sentence may end and the next element begin: after . : ! or ? (and a closing bracket or quote). */
    private static final Pattern ENDS_SENTENCE = Pattern.compile("[.:!?][)\"']?\\s*$");

    private static final Pattern STARTS_LOWERCASE = Pattern.compile("^\\s*\\p{Ll}");

    @Test
    void noDescriptionIsBrokenMidSentence() {
        List<String> broken = new ArrayList<>();
        for (CommandLine cl : allCommands(Main.commandLine())) {
            String name = cl.getCommandSpec().qualifiedName();
            CommandSpec spec = cl.getCommandSpec();
            brokenLines(name + " (description)", spec.usageMessage().description(), broken);
            brokenLines(name + " (header)", spec.usageMessage().header(), broken);
            for (ArgSpec arg : spec.args()) {
                String argName = arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : arg.paramLabel();
                brokenLines(name + " " + argName, arg.description(), broken);
            }
        }
        assertThat(broken).as("description elements that end mid-sentence").isEmpty();
    }

    @Test
    void everyCommandSummaryIsAWholeSentence() {
        List<String> notSentences = new ArrayList<>();
        for (CommandLine cl : allCommands(Main.commandLine())) {
            String name = cl.getCommandSpec().qualifiedName();
            if (cl.getParent() == null) {
                continue;
            }
            String summary = summary(cl.getCommandSpec());
            if (summary.isBlank()
                    || !summary.strip().endsWith(".")
                    || !Character.isUpperCase(summary.strip().charAt(0))) {
                notSentences.add(name + ": " + summary);
            }
        }
        assertThat(notSentences)
                .as("command summaries that are not one whole sentence")
                .isEmpty();
    }

    @Test
    void wideHelpKeepsEachSentenceOnOneLine() {
        // At 200 columns picocli has room for every summary and most descriptions on one line: a line
        // that ends without punctuation and is followed by one starting in lowercase was cut by hand.
        for (CommandLine cl : allCommands(Main.commandLine())) {
            String name = cl.getCommandSpec().qualifiedName();
            cl.setUsageHelpWidth(200);
            cl.setUsageHelpLongOptionsMaxWidth(40);
            String[] lines = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).split("\\R");
            for (int i = 0; i + 1 < lines.length; i++) {
                String line = lines[i].stripTrailing();
                String next = lines[i + 1];
                boolean wrappedByPicocli = line.length() > 150; // a paragraph longer than the column
                assertThat(!wrappedByPicocli
                                && !line.isBlank()
                                && !ENDS_SENTENCE.matcher(line).find()
                                && descriptionContinues(line, next))
                        .as("%s --help at 200 columns, lines:%n%s%n%s", name, line, next)
                        .isFalse();
            }
        }
    }

    @Test
    void theRootHelpListsEveryCommandWithItsSummary() {
        CommandLine cl = Main.commandLine();
        cl.setUsageHelpWidth(200);
        String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);

        assertThat(help)
                .contains("cluster   ", "Start, inspect, resize and stop clusters.")
                .contains("example   ", "Start a local cluster, estimate pi on it and stop it again.")
                .contains("completion", "Print a bash (and zsh) completion script.")
                .contains("Providers in this build (--provider):")
                .contains("Exit codes: 0 success");
    }

    /**
     * The next line carries on the same text: it starts in lowercase, either as a paragraph line
     * after a paragraph line (both unindented) or indented past the two columns where the rows of
     * the options and commands tables start (a new row, an option or the synopsis is not a continuation).
     */
    private static boolean descriptionContinues(String line, String next) {
        if (!STARTS_LOWERCASE.matcher(next).find() || line.strip().startsWith("Usage:")) {
            return false;
        }
        int indent = indentation(next);
        return (indent == 0 && indentation(line) == 0) || indent > 2;
    }

    private static int indentation(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static void brokenLines(String where, String[] elements, List<String> broken) {
        if (elements == null) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (String e : elements) {
            lines.addAll(Arrays.asList(e.split("%n|\\R")));
        }
        for (int i = 0; i + 1 < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.isBlank()
                    && !ENDS_SENTENCE.matcher(line).find()
                    && STARTS_LOWERCASE.matcher(lines.get(i + 1)).find()) {
                broken.add(where + ": \"" + line + "\" / \"" + lines.get(i + 1) + "\"");
            }
        }
    }

    /** What the parent's command list shows: the header's first line, else the description's. */
    private static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        if (header != null && header.length > 0) {
            return header[0];
        }
        String[] description = spec.usageMessage().description();
        return description == null || description.length == 0 ? "" : description[0];
    }

    private static List<CommandLine> allCommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        for (CommandLine sub : root.getSubcommands().values()) {
            if (!all.contains(sub)) {
                for (CommandLine c : allCommands(sub)) {
                    if (!all.contains(c)) {
                        all.add(c);
                    }
                }
            }
        }
        return all;
    }
}
