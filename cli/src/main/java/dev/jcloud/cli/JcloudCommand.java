package dev.jcloud.cli;

import picocli.CommandLine.Command;

/** {@code jcloud}: the root command; does nothing itself but show help. */
@Command(
        name = "jcloud",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Elastic compute clusters for Java programs, with a bundled task engine.",
        subcommands = {
            ClusterCommand.class,
            ConfigCommand.class,
            BenchCommand.class,
            ExampleCommand.class,
            CompletionCommand.class,
            SimulateCommand.class,
            ExportTerraformCommand.class,
            IamPolicyCommand.class
        },
        footer = {"", "Exit codes: 0 success, 1 the operation failed, 2 bad command-line input or configuration."})
final class JcloudCommand {}
