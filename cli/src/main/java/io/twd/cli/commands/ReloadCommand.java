package io.twd.cli.commands;

import io.twd.cli.DaemonCommand;
import io.twd.protocol.admin.AdminRequest;
import picocli.CommandLine.Command;

@Command(name = "reload", description = {"Re-read the config file and apply it.",
        "A new process takes over the listening sockets and the old one drains. An invalid file changes nothing"
            + " (exit status 1, with the problem). Prints the new generation and the new pid."})
public final class ReloadCommand extends DaemonCommand {
    @Override
    public Integer call() {
        return Changes.report(output(), "reloaded", ask(new AdminRequest.Reload()));
    }
}
