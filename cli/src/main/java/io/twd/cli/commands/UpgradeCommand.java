package io.twd.cli.commands;

import io.twd.cli.DaemonCommand;
import io.twd.protocol.admin.AdminRequest;
import picocli.CommandLine.Command;

@Command(name = "upgrade", description = {"Replace the running binary, keeping the listeners.",
        "A new twd process started from the installed files takes over the listening sockets, then the old one"
            + " drains and exits. If the new process fails, the old one keeps serving (exit status 1). Prints the"
            + " new generation and the new pid."})
public final class UpgradeCommand extends DaemonCommand {
    @Override
    public Integer call() {
        return Changes.report(output(), "upgraded", ask(new AdminRequest.Upgrade()));
    }
}
