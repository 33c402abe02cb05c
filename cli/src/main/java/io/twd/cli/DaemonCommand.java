package io.twd.cli;

import io.twd.cli.client.AdminClient;
import io.twd.cli.out.Output;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminResponse;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What the commands that talk to the daemon share: the client options, the output, and sending
 * requests with an ERR turned into exit status 1. A subclass only builds its request and prints
 * the answer.
 */
public abstract class DaemonCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    protected TwctlCommand root() {
        return (TwctlCommand) spec.root().userObject();
    }

    protected ClientOptions client() {
        return root().client();
    }

    protected Output output() {
        return new Output(client().format(), spec.commandLine().getOut());
    }

    /** The shell's prompter, or null outside the shell. */
    protected Prompter prompter() {
        return root().prompter();
    }

    /** Sends one request on its own connection; returns the OK answer, throws on ERR. */
    protected AdminResponse ask(AdminRequest request) {
        return withDaemon(request.changesConfig(), daemon -> ok(daemon.send(request)));
    }

    /** Several queries on one connection (never a change followed by more: see AdminClient). */
    protected <T> T withDaemon(boolean change, Function<AdminClient, T> work) {
        try (AdminClient daemon = AdminClient.connect(client().socketPath(), client().waitFor(change))) {
            return work.apply(daemon);
        }
    }

    /** The response if OK; else exit status 1 with the daemon's reason and details. */
    protected static AdminResponse ok(AdminResponse response) {
        if (!response.ok()) {
            throw new TwctlException(Exit.REJECTED, response.text(), response.body(), null);
        }
        return response;
    }
}
