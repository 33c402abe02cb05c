package io.twd.cli.commands;

import io.twd.cli.Prompter;
import io.twd.cli.TwctlException;
import io.twd.protocol.admin.AdminProtocol;
import io.twd.protocol.admin.AdminRequest;
import io.twd.protocol.admin.AdminSyntaxException;
import io.twd.protocol.config.ListenAddress;
import io.twd.protocol.config.ServerSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The shell's guided flows: ask for what a change is missing, checking each answer at once with the
 * config model so a typo is fixed where it was made. An empty answer to a required question cancels.
 */
final class PoolPrompts {
    private PoolPrompts() {}

    /** Fills in {@code listen} and the servers of {@code pool add} when they were not given. */
    static void completeAdd(Prompter prompter, String pool, Map<String, String> attributes, List<String> servers) {
        if (!attributes.containsKey("listen")) {
            String listen = askValid(prompter, "listen address for pool " + pool + " (host:port or /path/to/socket): ",
                    ListenAddress::parse);
            attributes.put("listen", listen);
        }
        if (servers.isEmpty()) {
            prompter.say("servers of pool " + pool + ", one per line as host:port:weight [name]; an empty line ends the list");
            while (true) {
                String server = prompter.ask("server " + (servers.size() + 1) + ": ");
                if (server.isEmpty() && !servers.isEmpty()) {
                    break;
                }
                if (server.isEmpty()) {
                    throw cancelled();
                }
                try {
                    ServerSpec.parse(server);
                    servers.add(server);
                } catch (IllegalArgumentException e) {
                    prompter.say(e.getMessage() + "; try again");
                }
            }
        }
        if (!attributes.containsKey("redis")) {
            attributes.put("redis", Boolean.toString(prompter.confirm("is " + pool + " a redis pool (no: memcache)?")));
        }
    }

    /**
     * Asks for the changes of {@code pool set} as the admin protocol writes them ({@code timeout=400
     * server+="10.0.0.3:6379:1 r3" server-=r2}); the protocol's own parser reads the answer.
     */
    static AdminRequest.PoolSet askChanges(Prompter prompter, String pool) {
        prompter.say("changes to pool " + pool + " as key=value words, e.g. timeout=400 server+=\"10.0.0.3:6379:1 r3\""
                + " server-=r2 (keys: " + String.join(" ", AdminProtocol.POOL_KEYS) + ")");
        while (true) {
            String answer = prompter.ask("changes: ");
            if (answer.isEmpty()) {
                throw cancelled();
            }
            try {
                return (AdminRequest.PoolSet) AdminRequest.parse("pool set " + pool + " " + answer);
            } catch (AdminSyntaxException e) {
                prompter.say(e.getMessage() + "; try again");
            }
        }
    }

    private static String askValid(Prompter prompter, String question, Consumer<String> check) {
        while (true) {
            String answer = prompter.ask(question);
            if (answer.isEmpty()) {
                throw cancelled();
            }
            try {
                check.accept(answer);
                return answer;
            } catch (IllegalArgumentException e) {
                prompter.say(e.getMessage() + "; try again");
            }
        }
    }

    static TwctlException cancelled() {
        return TwctlException.usage("cancelled; nothing was sent");
    }
}
