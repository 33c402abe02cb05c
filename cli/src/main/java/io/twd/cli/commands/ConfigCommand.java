package io.twd.cli.commands;

import picocli.CommandLine.Command;

/** The {@code config} group. */
@Command(name = "config", description = "Check a config file, or show the running configuration.",
        subcommands = {ConfigCheckCommand.class, ConfigShowCommand.class})
public final class ConfigCommand {
}
