package dev.jcloud.cli;

import picocli.CommandLine.Command;

/** {@code jcloud config}: the group of configuration commands. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Inspect jcloud's settings.",
        subcommands = ConfigShowCommand.class)
final class ConfigCommand {}
