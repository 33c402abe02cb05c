package io.twd.cli.commands;

import io.twd.cli.DaemonCommand;
import io.twd.cli.TwctlException;
import io.twd.protocol.admin.AdminRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "add", description = {"Add a pool.",
        "--listen and at least one --server are required (the shell asks for them); other keys take nutcracker's"
            + " defaults. Values are checked before anything is sent. The pool is written to the config file and"
            + " serves once twd answers; prints the new generation and pid."})
public final class PoolAddCommand extends DaemonCommand {
    @Parameters(paramLabel = "NAME", description = "The new pool's name: letters, digits, _ . - (at most 64).")
    String name;

    @Mixin
    PoolAttributes attributes;

    // No initial list: picocli reuses command objects in the shell and would keep a mutated one.
    @Option(names = "--server", paramLabel = "SPEC",
            description = "A server, host:port:weight [name] (quote it when it has a name); once per server.")
    List<String> servers;

    @Override
    public Integer call() {
        Map<String, String> values = attributes.values();
        List<String> list = servers == null ? new ArrayList<>() : new ArrayList<>(servers);
        if (prompter() != null) {
            PoolPrompts.completeAdd(prompter(), name, values, list);
        }
        if (!values.containsKey("listen")) {
            throw TwctlException.usage("pool add " + name + ": --listen is required");
        }
        if (list.isEmpty()) {
            throw TwctlException.usage("pool add " + name + ": at least one --server is required");
        }
        AdminRequest request = Requests.valid(() -> new AdminRequest.PoolAdd(name, values, list));
        PoolChecks.add(name, values, list);
        return Changes.report(output(), "pool " + name + " added", ask(request));
    }
}
