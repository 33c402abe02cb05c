package io.twd.cli.commands;

import picocli.CommandLine.Command;

/** The {@code pool} group; on its own it is a usage error that lists the subcommands. */
@Command(name = "pool", description = "List, show, add, change and remove pools.",
        subcommands = {PoolListCommand.class, PoolShowCommand.class, PoolAddCommand.class, PoolSetCommand.class,
            PoolDelCommand.class})
public final class PoolCommand {
}
