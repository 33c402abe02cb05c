package io.twd.cli.commands;

import io.twd.cli.DaemonCommand;
import io.twd.protocol.admin.AdminRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "del", description = {"Remove a pool.",
        "Removes it from the config file and stops serving it: its listener closes and its clients are drained."
            + " The shell asks first, unless --yes. Prints the new generation and pid."})
public final class PoolDelCommand extends DaemonCommand {
    @Parameters(paramLabel = "POOL", description = "The pool to remove.")
    String name;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation in the shell.")
    boolean yes;

    @Override
    public Integer call() {
        AdminRequest request = Requests.valid(() -> new AdminRequest.PoolDel(name));
        if (prompter() != null && !yes && !prompter().confirm("remove pool " + name + " and close its listener?")) {
            throw PoolPrompts.cancelled();
        }
        return Changes.report(output(), "pool " + name + " removed", ask(request));
    }
}
