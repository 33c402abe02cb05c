package io.twd.cli;

import io.twd.cli.out.Format;
import io.twd.cli.out.Terminals;
import io.twd.protocol.admin.AdminProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The options every command shares: which daemon, how to print, how long to wait. Mixed into the
 * top-level command and inherited by every subcommand, so {@code twctl -s X status} and
 * {@code twctl status -s X} both work and set the same fields.
 */
public final class ClientOptions {
    /** Environment variable naming the admin socket when {@code -s} is not given. */
    public static final String SOCKET_ENV = "TWCTL_SOCKET";
    /** Default {@code --wait} for changes: an upgrade starts a JVM and drains; the daemon's own limits are 60 s + 30 s. */
    public static final int CHANGE_WAIT_SECONDS = 120;
    /** Default {@code --wait} for everything else: the daemon answers queries at once. */
    public static final int QUERY_WAIT_SECONDS = 10;

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "The daemon's admin socket (default: $" + SOCKET_ENV + ", else /run/twd/admin.sock"
                    + " as root, $XDG_RUNTIME_DIR/twd/admin.sock or /tmp/twd-UID/admin.sock).")
    Path socket;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "table, plain or json (default: table when stdout is a terminal, else plain).")
    Format format;

    @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS", scope = ScopeType.INHERIT,
            description = "How long to wait for the daemon's answer before giving up with exit status 4"
                    + " (default: " + CHANGE_WAIT_SECONDS + " for pool add/set/del, reload and upgrade, "
                    + QUERY_WAIT_SECONDS + " for the rest).")
    Integer waitSeconds;

    public Path socketPath() {
        if (socket != null) {
            return socket;
        }
        String fromEnv = System.getenv(SOCKET_ENV);
        return Path.of(fromEnv != null && !fromEnv.isEmpty() ? fromEnv : AdminProtocol.defaultSocketPath());
    }

    public Format format() {
        if (format != null) {
            return format;
        }
        return Terminals.stdoutIsTerminal() ? Format.table : Format.plain;
    }

    public Duration waitFor(boolean change) {
        if (waitSeconds != null) {
            if (waitSeconds < 1) {
                throw TwctlException.usage("--wait must be at least 1 second, not " + waitSeconds);
            }
            return Duration.ofSeconds(waitSeconds);
        }
        return Duration.ofSeconds(change ? CHANGE_WAIT_SECONDS : QUERY_WAIT_SECONDS);
    }

    /** The values given on the command line, as strings, to carry them into the shell's commands. */
    public Map<String, String> given() {
        Map<String, String> given = new HashMap<>();
        if (socket != null) {
            given.put("--socket", socket.toString());
        }
        if (format != null) {
            given.put("--output", format.name());
        }
        if (waitSeconds != null) {
            given.put("--wait", waitSeconds.toString());
        }
        return given;
    }
}
