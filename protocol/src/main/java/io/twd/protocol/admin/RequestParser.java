package io.twd.protocol.admin;

import static io.twd.protocol.admin.AdminProtocol.shown;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns the words of a request line into an {@link AdminRequest}. Arguments are checked left to
 * right so the error names the first bad one; what must hold for the request as a whole (listen= is
 * required, ...) is checked by the request records themselves, whose messages are passed on.
 */
final class RequestParser {

    private RequestParser() {}

    static AdminRequest parse(String line) throws AdminSyntaxException {
        // Up to MAX/3 chars cannot exceed MAX bytes; only longer lines pay for the encoding.
        if (line.length() > AdminProtocol.MAX_LINE_BYTES / 3
                && line.getBytes(StandardCharsets.UTF_8).length > AdminProtocol.MAX_LINE_BYTES) {
            throw new AdminSyntaxException(AdminProtocol.LINE_TOO_LONG);
        }
        List<String> words = AdminProtocol.tokenize(line);
        if (words.isEmpty()) {
            return null;
        }
        try {
            return command(words.get(0), words.subList(1, words.size()));
        } catch (IllegalArgumentException e) {
            // A request record refused its arguments (bad pool name, listen= missing, ...); its
            // message is already worded as an answer.
            throw new AdminSyntaxException(e.getMessage());
        }
    }

    private static AdminRequest command(String command, List<String> args) throws AdminSyntaxException {
        return switch (command) {
            case "help" -> new AdminRequest.Help(args.isEmpty() ? null : String.join(" ", args));
            case "ping" -> noArguments("ping", args, new AdminRequest.Ping());
            case "status" -> noArguments("status", args, new AdminRequest.Status());
            case "reload" -> noArguments("reload", args, new AdminRequest.Reload());
            case "upgrade" -> noArguments("upgrade", args, new AdminRequest.Upgrade());
            case "stats" -> noArguments("stats", args, new AdminRequest.Stats());
            case "quit" -> noArguments("quit", args, new AdminRequest.Quit());
            case "pool" -> pool(args);
            case "config" -> config(args);
            default -> throw new AdminSyntaxException("unknown command '" + shown(command) + "' (try 'help')");
        };
    }

    private static AdminRequest pool(List<String> args) throws AdminSyntaxException {
        if (args.isEmpty()) {
            throw new AdminSyntaxException("pool: missing subcommand (try 'help pool')");
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "list" -> noArguments("pool list", rest, new AdminRequest.PoolList());
            case "show" -> new AdminRequest.PoolShow(onlyPoolName("pool show", rest));
            case "del" -> new AdminRequest.PoolDel(onlyPoolName("pool del", rest));
            case "add", "set" -> poolChange(args.get(0), rest);
            default -> throw new AdminSyntaxException(
                    "unknown command 'pool " + shown(args.get(0)) + "' (try 'help pool')");
        };
    }

    private static AdminRequest config(List<String> args) throws AdminSyntaxException {
        if (args.isEmpty()) {
            throw new AdminSyntaxException("config: missing subcommand (try 'help config')");
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "check" -> {
                if (rest.size() > 1) {
                    throw unexpected("config check", rest.get(1));
                }
                yield new AdminRequest.ConfigCheck(rest.isEmpty() ? null : rest.get(0));
            }
            case "show" -> noArguments("config show", rest, new AdminRequest.ConfigShow());
            default -> throw new AdminSyntaxException(
                    "unknown command 'config " + shown(args.get(0)) + "' (try 'help config')");
        };
    }

    private static AdminRequest poolChange(String sub, List<String> args) throws AdminSyntaxException {
        if (args.isEmpty()) {
            throw new AdminSyntaxException("pool " + sub + ": missing pool name");
        }
        String name = requirePoolName(args.get(0));
        String where = "pool " + sub + " " + name;
        Map<String, String> attributes = new LinkedHashMap<>();
        List<String> servers = new ArrayList<>();
        List<String> addServers = new ArrayList<>();
        List<String> removeServers = new ArrayList<>();
        for (String arg : args.subList(1, args.size())) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new AdminSyntaxException(where + ": expected key=value, got '" + shown(arg) + "'");
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            List<String> serverList = switch (key) {
                case "server" -> servers;
                case "server+" -> addServers;
                case "server-" -> removeServers;
                default -> null;
            };
            if (serverList == null) {
                if (!AdminProtocol.POOL_KEYS.contains(key)) {
                    throw unknownKey(where, key, arg);
                }
                if (attributes.containsKey(key)) {
                    throw new AdminSyntaxException(where + ": '" + key + "' given twice");
                }
                attributes.put(key, requireValue(where, key, value));
                continue;
            }
            if (serverList != servers && sub.equals("add")) {
                throw new AdminSyntaxException(
                        where + ": server+= and server-= are only for pool set (use server=)");
            }
            serverList.add(requireValue(where, key, value));
            if (!servers.isEmpty() && (!addServers.isEmpty() || !removeServers.isEmpty())) {
                throw new AdminSyntaxException(
                        where + ": server= cannot be combined with server+= or server-=");
            }
        }
        return sub.equals("add")
                ? new AdminRequest.PoolAdd(name, attributes, servers)
                : new AdminRequest.PoolSet(name, attributes, servers.isEmpty() ? null : servers,
                        addServers, removeServers);
    }

    private static String requireValue(String where, String key, String value) throws AdminSyntaxException {
        if (value.isEmpty()) {
            throw new AdminSyntaxException(where + ": missing value after '" + key + "='");
        }
        return value;
    }

    private static AdminSyntaxException unknownKey(String where, String key, String arg) {
        String base = key.substring(0, key.length() - 1);
        if ((key.endsWith("+") || key.endsWith("-")) && AdminProtocol.POOL_KEYS.contains(base)) {
            return new AdminSyntaxException(
                    where + ": '+=' and '-=' are only for server, got '" + shown(arg) + "'");
        }
        return new AdminSyntaxException(where + ": unknown key '" + shown(key) + "'");
    }

    private static String onlyPoolName(String command, List<String> args) throws AdminSyntaxException {
        if (args.isEmpty()) {
            throw new AdminSyntaxException(command + ": missing pool name");
        }
        requirePoolName(args.get(0));
        if (args.size() > 1) {
            throw unexpected(command, args.get(1));
        }
        return args.get(0);
    }

    private static AdminRequest noArguments(String command, List<String> args, AdminRequest request)
            throws AdminSyntaxException {
        if (!args.isEmpty()) {
            throw unexpected(command, args.get(0));
        }
        return request;
    }

    private static AdminSyntaxException unexpected(String command, String arg) {
        String usage = AdminCommands.find(command).orElseThrow().usage();
        return new AdminSyntaxException(
                command + ": unexpected argument '" + shown(arg) + "' (usage: " + usage + ")");
    }

    // Checks shared with the request records, which report through IllegalArgumentException.

    static String requirePoolName(String name) {
        Objects.requireNonNull(name, "name");
        if (!AdminProtocol.isValidPoolName(name)) {
            throw new IllegalArgumentException("pool name '" + shown(name)
                    + "' is invalid: use letters, digits, '_', '.', '-' (at most 64)");
        }
        return name;
    }

    static Map<String, String> requireAttributes(String where, Map<String, String> attributes) {
        Objects.requireNonNull(attributes, "attributes");
        attributes.forEach((key, value) -> {
            if (!AdminProtocol.POOL_KEYS.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key '" + shown(key) + "'");
            }
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(where + ": missing value after '" + key + "='");
            }
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    static List<String> requireValues(String where, String operator, List<String> values) {
        Objects.requireNonNull(values, operator);
        for (String value : values) {
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(where + ": missing value after '" + operator + "'");
            }
        }
        return List.copyOf(values);
    }

    /** Appends {@code " " + prefix + quote(value)} for each value: the canonical form of arguments. */
    static void appendEach(StringBuilder line, String prefix, List<String> values) {
        for (String value : values) {
            line.append(' ').append(prefix).append(AdminProtocol.quote(value));
        }
    }
}
