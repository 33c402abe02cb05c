package io.twd.cli.commands;

import io.twd.cli.DaemonCommand;
import io.twd.cli.TwctlException;
import io.twd.protocol.admin.AdminRequest;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "set", description = {"Change a pool's keys or servers.",
        "The keys given are set and the others kept. --server (repeated) replaces the whole server list;"
            + " --server-add and --server-remove edit it and cannot be mixed with --server. Applied as one change;"
            + " prints the new generation and pid. In the shell, with nothing to change, asks for key=value words."})
public final class PoolSetCommand extends DaemonCommand {
    @Parameters(paramLabel = "POOL", description = "The pool to change.")
    String name;

    @Mixin
    PoolAttributes attributes;

    @Option(names = "--server", paramLabel = "SPEC", description = "The new server list, one option per server.")
    List<String> servers;

    @Option(names = "--server-add", paramLabel = "SPEC", description = "Add a server, host:port:weight [name].")
    List<String> added;

    @Option(names = "--server-remove", paramLabel = "SERVER",
            description = "Remove the server with this name (its name, else host:port, as in the stats).")
    List<String> removed;

    @Override
    public Integer call() {
        AdminRequest.PoolSet request;
        if (attributes.values().isEmpty() && servers == null && added == null && removed == null) {
            if (prompter() == null) {
                throw TwctlException.usage("pool set " + name
                        + ": nothing to change (give --KEY VALUE, --server, --server-add or --server-remove)");
            }
            // The name is checked before asking: a bad one would make every answer fail to parse.
            Requests.valid(() -> new AdminRequest.PoolShow(name));
            request = PoolPrompts.askChanges(prompter(), name);
        } else {
            if (servers != null && (added != null || removed != null)) {
                throw TwctlException.usage("pool set " + name
                        + ": --server replaces the list; it cannot be combined with --server-add or --server-remove");
            }
            request = Requests.valid(() -> new AdminRequest.PoolSet(name, attributes.values(), servers,
                    orEmpty(added), orEmpty(removed)));
        }
        PoolChecks.set(request.name(), request.attributes(), orEmpty(request.servers()), request.addServers());
        return Changes.report(output(), "pool " + name + " changed", ask(request));
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
