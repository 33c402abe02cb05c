package io.twd.protocol.admin;

import io.twd.protocol.config.Distribution;
import io.twd.protocol.config.HashType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The catalogue of admin commands: one place for the text that the daemon's {@code help}, twctl's
 * help and completion, and the man page all show, so they cannot drift apart (a test holds the docs
 * to it).
 */
public final class AdminCommands {

    /**
     * One command.
     *
     * @param name the command words, e.g. {@code pool add}
     * @param usage the synopsis, starting with the name
     * @param summary what it does, in a few words, for the command list
     * @param description one paragraph: what it does and what it answers
     * @param example a request line that parses
     */
    public record Command(String name, String usage, String summary, String description, String example) {
        public Command {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(usage, "usage");
            Objects.requireNonNull(summary, "summary");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(example, "example");
        }
    }

    private static final List<Command> COMMANDS = List.of(
            new Command("help", "help [COMMAND]",
                    "List the commands, or explain one.",
                    "Without an argument, lists every command with a one-line summary. With a command,"
                            + " shows its usage, this description and an example; 'help pool' and"
                            + " 'help config' cover all commands of that group. Never waits for a change"
                            + " in progress.",
                    "help pool add"),
            new Command("ping", "ping",
                    "Check that the daemon answers.",
                    "Answers 'OK pong'. Meant for scripts and health checks; never waits for a change"
                            + " in progress.",
                    "ping"),
            new Command("status", "status",
                    "Show the daemon's state.",
                    "One 'key: value' body line per fact: version, pid, generation (raised by every"
                            + " applied change), uptime in seconds, the config file, the number of pools,"
                            + " and the change being applied, if any.",
                    "status"),
            new Command("pool list", "pool list",
                    "List the pools.",
                    "One pool name per body line, in nutcracker's order (shorter names first, then"
                            + " bytewise). No body when there are no pools.",
                    "pool list"),
            new Command("pool show", "pool show NAME",
                    "Show one pool's configuration.",
                    "The pool as nutcracker YAML, one body line per YAML line: the name, its keys, and"
                            + " its servers list.",
                    "pool show alpha"),
            new Command("pool add", "pool add NAME key=value... server=SPEC...",
                    "Add a pool.",
                    "Adds pool NAME with the given nutcracker pool keys; listen= and at least one"
                            + " server= are required, and each key may be given once. SPEC is a"
                            + " nutcracker server line, host:port:weight [name], in quotes when it has a"
                            + " name. The pool is written to the config file and applied; OK comes once it"
                            + " serves, ERR says why nothing changed.",
                    "pool add alpha listen=127.0.0.1:22121 redis=true server=10.0.0.1:6379:1"
                            + " server=\"10.0.0.2:6379:1 r2\""),
            new Command("pool set",
                    "pool set NAME [key=value...] [server=SPEC...] [server+=SPEC...] [server-=NAME...]",
                    "Change a pool's keys or servers.",
                    "Sets the given keys and keeps the others. server= (repeatable) replaces the whole"
                            + " server list; server+= adds a server and server-= removes the server of"
                            + " that name (its explicit name, else host:port). server= cannot be mixed"
                            + " with server+= or server-=. Written to the config file and applied as one"
                            + " change.",
                    "pool set alpha timeout=400 server+=10.0.0.3:6379:1 server-=r2"),
            new Command("pool del", "pool del NAME",
                    "Remove a pool.",
                    "Removes pool NAME from the config file and stops serving it: its listener closes"
                            + " and its clients are drained.",
                    "pool del alpha"),
            new Command("reload", "reload",
                    "Re-read the config file and apply it.",
                    "Reads and validates the config file, then applies what differs from the running"
                            + " configuration. An invalid file changes nothing; ERR then lists one problem"
                            + " per body line.",
                    "reload"),
            new Command("upgrade", "upgrade",
                    "Replace the running binary, keeping the listeners.",
                    "Starts a new twd process from the installed binary and config file and hands it the"
                            + " listening sockets; this process then drains and exits. OK (with the new"
                            + " pid) comes once the new process serves; on ERR the old one keeps serving.",
                    "upgrade"),
            new Command("config check", "config check [PATH]",
                    "Validate a config file without applying it.",
                    "Checks PATH, by default the daemon's own config file, as 'twd -t' does: OK if it is"
                            + " valid, else ERR with one problem per body line. The daemon opens PATH, so"
                            + " it should be absolute (twctl makes it so).",
                    "config check /etc/twd/staging.yml"),
            new Command("config show", "config show",
                    "Print the running configuration.",
                    "The configuration being served, as nutcracker YAML, one body line per YAML line."
                            + " It differs from the file only if the file was edited since the last"
                            + " reload.",
                    "config show"),
            new Command("stats", "stats",
                    "Print the statistics as JSON.",
                    "The JSON document of nutcracker's stats port (service, source, version, uptime,"
                            + " timestamp, connection counts and one object per pool) on one body line.",
                    "stats"),
            new Command("quit", "quit",
                    "Close this admin connection.",
                    "Answers 'OK bye' and closes the connection. It does not stop twd.",
                    "quit"));

    private static final List<String> BOOLEANS = List.of("true", "false");

    private static final int WIDTH = 78;

    private AdminCommands() {}

    /** Every command, in the order help lists them. */
    public static List<Command> all() {
        return COMMANDS;
    }

    /** The command with exactly this name ({@code pool add}, not {@code pool}). */
    public static Optional<Command> find(String name) {
        return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The command list: one line per command, its name and summary, then a hint about details. */
    public static String help() {
        StringBuilder out = new StringBuilder();
        for (Command c : COMMANDS) {
            out.append(String.format("%-14s%s", c.name(), c.summary())).append('\n');
        }
        return out.append("Type 'help COMMAND' for its usage and details.").toString();
    }

    /**
     * Usage, description and example of a command, or of every command of a group when
     * {@code topic} is its first word ({@code pool}, {@code config}); empty if there is no such command.
     * No line is empty, so the text can be a response body as it is.
     */
    public static Optional<String> help(String topic) {
        List<String> lines = new ArrayList<>();
        for (Command c : COMMANDS) {
            if (c.name().equals(topic) || c.name().startsWith(topic + " ")) {
                lines.add("usage: " + c.usage());
                wrap(c.description(), "  ", lines);
                lines.add("  example: " + c.example());
            }
        }
        return lines.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", lines));
    }

    /**
     * The values worth offering when completing {@code key=}: the hash and distribution names, or
     * true/false for boolean keys; empty for keys that take free text or numbers.
     */
    public static List<String> completions(String key) {
        return switch (key) {
            case "hash" -> Arrays.stream(HashType.values()).map(HashType::configName).toList();
            case "distribution" -> Arrays.stream(Distribution.values()).map(Distribution::configName).toList();
            case "redis", "preconnect", "auto_eject_hosts", "tcpkeepalive", "reuseport" -> BOOLEANS;
            default -> List.of();
        };
    }

    private static void wrap(String text, String indent, List<String> lines) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line.setLength(0);
                line.append(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
    }
}
