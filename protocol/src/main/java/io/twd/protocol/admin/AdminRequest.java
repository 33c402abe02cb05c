package io.twd.protocol.admin;

import static io.twd.protocol.admin.RequestParser.appendEach;
import static io.twd.protocol.admin.RequestParser.requireAttributes;
import static io.twd.protocol.admin.RequestParser.requirePoolName;
import static io.twd.protocol.admin.RequestParser.requireValues;

import java.util.List;
import java.util.Map;

/**
 * One admin command with its arguments, as parsed from a request line. Every instance is valid:
 * the constructors check what the parser checks (throwing {@link IllegalArgumentException} with the
 * same message), so {@code parse(r.toLine()).equals(r)} holds for every request {@code r}.
 */
public sealed interface AdminRequest {

    /**
     * Parses one request line, without its line terminator.
     *
     * @return the request, or {@code null} for a line without words (empty or blank), which gets no
     *     response
     * @throws AdminSyntaxException with the text the daemon answers after {@code ERR }
     */
    static AdminRequest parse(String line) throws AdminSyntaxException {
        return RequestParser.parse(line);
    }

    /** The request as a canonical line (no terminator): single spaces, words quoted only as needed. */
    String toLine();

    /**
     * Whether the command changes what the daemon serves (pool add/set/del, reload, upgrade). The
     * daemon applies such commands one at a time; the others never wait for them.
     */
    default boolean changesConfig() {
        return false;
    }

    /** {@code help [COMMAND]}; {@code topic} is null for the command list, else a command or group name. */
    record Help(String topic) implements AdminRequest {
        public Help {
            if (topic != null && AdminCommands.help(topic).isEmpty()) {
                throw new IllegalArgumentException(
                        "help: unknown command '" + AdminProtocol.shown(topic) + "' (try 'help')");
            }
        }

        @Override
        public String toLine() {
            // A valid topic is plain command words, which need no quoting.
            return topic == null ? "help" : "help " + topic;
        }
    }

    /** {@code ping}. */
    record Ping() implements AdminRequest {
        @Override
        public String toLine() {
            return "ping";
        }
    }

    /** {@code status}. */
    record Status() implements AdminRequest {
        @Override
        public String toLine() {
            return "status";
        }
    }

    /** {@code pool list}. */
    record PoolList() implements AdminRequest {
        @Override
        public String toLine() {
            return "pool list";
        }
    }

    /** {@code pool show NAME}. */
    record PoolShow(String name) implements AdminRequest {
        public PoolShow {
            requirePoolName(name);
        }

        @Override
        public String toLine() {
            return "pool show " + name;
        }
    }

    /**
     * {@code pool add NAME key=value... server=SPEC...}.
     *
     * @param attributes pool keys (from {@link AdminProtocol#POOL_KEYS}) to non-empty values, in the
     *     order given; must include {@code listen}. Kept as an unmodifiable copy.
     * @param servers nutcracker server lines ({@code host:port:weight [name]}), at least one
     */
    record PoolAdd(String name, Map<String, String> attributes, List<String> servers) implements AdminRequest {
        public PoolAdd {
            requirePoolName(name);
            String where = "pool add " + name;
            attributes = requireAttributes(where, attributes);
            servers = requireValues(where, "server=", servers);
            if (!attributes.containsKey("listen")) {
                throw new IllegalArgumentException(where + ": listen= is required");
            }
            if (servers.isEmpty()) {
                throw new IllegalArgumentException(where + ": at least one server= is required");
            }
        }

        @Override
        public String toLine() {
            StringBuilder line = new StringBuilder("pool add ").append(name);
            attributes.forEach((key, value) -> appendEach(line, key + "=", List.of(value)));
            appendEach(line, "server=", servers);
            return line.toString();
        }

        @Override
        public boolean changesConfig() {
            return true;
        }
    }

    /**
     * {@code pool set NAME [key=value...] [server=SPEC...] [server+=SPEC...] [server-=NAME...]}.
     *
     * @param attributes pool keys to set, in the order given (unmodifiable copy); keys not named keep
     *     their values
     * @param servers the new, complete server list, or {@code null} to keep the list (possibly edited
     *     by the next two); when given, {@code addServers} and {@code removeServers} are empty
     * @param addServers server lines to add
     * @param removeServers names of servers to remove (the explicit name, else {@code host:port})
     */
    record PoolSet(String name, Map<String, String> attributes, List<String> servers,
            List<String> addServers, List<String> removeServers) implements AdminRequest {
        public PoolSet {
            requirePoolName(name);
            String where = "pool set " + name;
            attributes = requireAttributes(where, attributes);
            addServers = requireValues(where, "server+=", addServers);
            removeServers = requireValues(where, "server-=", removeServers);
            if (servers != null) {
                servers = requireValues(where, "server=", servers);
                if (servers.isEmpty()) {
                    throw new IllegalArgumentException(where + ": the server list cannot be empty");
                }
                if (!addServers.isEmpty() || !removeServers.isEmpty()) {
                    throw new IllegalArgumentException(
                            where + ": server= cannot be combined with server+= or server-=");
                }
            }
            if (attributes.isEmpty() && servers == null && addServers.isEmpty() && removeServers.isEmpty()) {
                throw new IllegalArgumentException(
                        where + ": nothing to change (give key=value, server=, server+= or server-=)");
            }
        }

        @Override
        public String toLine() {
            StringBuilder line = new StringBuilder("pool set ").append(name);
            attributes.forEach((key, value) -> appendEach(line, key + "=", List.of(value)));
            if (servers != null) {
                appendEach(line, "server=", servers);
            }
            appendEach(line, "server+=", addServers);
            appendEach(line, "server-=", removeServers);
            return line.toString();
        }

        @Override
        public boolean changesConfig() {
            return true;
        }
    }

    /** {@code pool del NAME}. */
    record PoolDel(String name) implements AdminRequest {
        public PoolDel {
            requirePoolName(name);
        }

        @Override
        public String toLine() {
            return "pool del " + name;
        }

        @Override
        public boolean changesConfig() {
            return true;
        }
    }

    /** {@code reload}. */
    record Reload() implements AdminRequest {
        @Override
        public String toLine() {
            return "reload";
        }

        @Override
        public boolean changesConfig() {
            return true;
        }
    }

    /** {@code upgrade}. */
    record Upgrade() implements AdminRequest {
        @Override
        public String toLine() {
            return "upgrade";
        }

        @Override
        public boolean changesConfig() {
            return true;
        }
    }

    /** {@code config check [PATH]}; {@code path} is null for the daemon's own config file. */
    record ConfigCheck(String path) implements AdminRequest {
        public ConfigCheck {
            if (path != null && path.isEmpty()) {
                throw new IllegalArgumentException("config check: the path is empty");
            }
        }

        @Override
        public String toLine() {
            return path == null ? "config check" : "config check " + AdminProtocol.quote(path);
        }
    }

    /** {@code config show}. */
    record ConfigShow() implements AdminRequest {
        @Override
        public String toLine() {
            return "config show";
        }
    }

    /** {@code stats}. */
    record Stats() implements AdminRequest {
        @Override
        public String toLine() {
            return "stats";
        }
    }

    /** {@code quit}. */
    record Quit() implements AdminRequest {
        @Override
        public String toLine() {
            return "quit";
        }
    }
}
