package io.twd.protocol.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * A pool's {@code listen:} value: {@code host:port}, or a unix socket {@code /abs/path.sock}
 * with optional octal permissions ({@code /tmp/x.sock 0666}).
 *
 * <p>Like nutcracker, the port is split off at the <em>last</em> colon, so IPv6 needs no brackets
 * ({@code ::1:40000}); {@code [::1]:40000} is accepted too. Parsing never resolves the host:
 * nutcracker resolves it while reading the config, twd does so only in {@link #resolve()}, which
 * {@code twd -t} and the listener call, so that the CLI can check a config offline.
 */
public final class ListenAddress {
    private static final String FORMAT = "\"host:port\" or \"/path/to/socket [permissions]\"";

    private final String text;
    private final String host;
    private final int port;
    private final String path;
    private final int permissions;

    private ListenAddress(String text, String host, int port, String path, int permissions) {
        this.text = text;
        this.host = host;
        this.port = port;
        this.path = path;
        this.permissions = permissions;
    }

    /** @throws IllegalArgumentException with a reason that quotes the text */
    public static ListenAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("listen address is empty");
        }
        return text.startsWith("/") ? parseUnix(text) : parseInet(text);
    }

    private static ListenAddress parseUnix(String text) {
        int space = text.lastIndexOf(' ');
        String path = space < 0 ? text : text.substring(0, space);
        int permissions = -1;
        if (space >= 0) {
            String perm = text.substring(space + 1);
            // nutcracker's strtol(…, 8) silently reads "0999" as 0; twd wants real octal digits.
            if (!perm.matches("[0-7]{1,4}") || Integer.parseInt(perm, 8) > 0777) {
                throw bad(text, "has invalid permissions \"" + perm + "\" (octal, at most 0777)");
            }
            permissions = Integer.parseInt(perm, 8);
        }
        if (ConfigValues.hasWhitespace(path)) {
            throw bad(text, "has a blank in its socket path; the permissions come after one space");
        }
        if (ConfigValues.utf8Length(path) > ConfigValues.MAX_UNIX_PATH_BYTES) {
            throw bad(text, "has a socket path longer than " + ConfigValues.MAX_UNIX_PATH_BYTES + " bytes");
        }
        return new ListenAddress(text, null, 0, path, permissions);
    }

    private static ListenAddress parseInet(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw bad(text, "is not " + FORMAT);
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        long port = ConfigValues.digits(portText);
        if (!ConfigValues.isPort(port)) {
            throw bad(text, "has an invalid port \"" + portText + "\" (must be 1..65535)");
        }
        if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            // getaddrinfo("") fails in nutcracker too; 0.0.0.0 or :: is how to say "everywhere".
            throw bad(text, "has an empty host (use 0.0.0.0 or :: for all addresses)");
        }
        if (ConfigValues.hasWhitespace(host)) {
            throw bad(text, "has a blank in its host");
        }
        return new ListenAddress(text, host, (int) port, null, -1);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("listen address \"" + text + "\" " + why);
    }

    public boolean isUnix() {
        return path != null;
    }

    /** The host without IPv6 brackets; null for a unix socket. */
    public String host() {
        return host;
    }

    /** 1..65535; 0 for a unix socket. */
    public int port() {
        return port;
    }

    /** The socket path; null unless {@link #isUnix()}. */
    public String path() {
        return path;
    }

    /** The socket file mode, e.g. 0666; -1 if not given (and for host:port). */
    public int permissions() {
        return permissions;
    }

    /** The text as written in the config. */
    public String text() {
        return text;
    }

    /**
     * Resolves the host now, as nutcracker does while reading the config (first address wins).
     *
     * @throws IllegalStateException for a unix socket, which has no inet address
     */
    public InetSocketAddress resolve() throws UnknownHostException {
        if (isUnix()) {
            throw new IllegalStateException("listen address \"" + text + "\" is a unix socket");
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /**
     * Whether both would bind the same socket as far as can be told without resolving: the same
     * socket path, or the same port and host name (ignoring case and IPv6 brackets). Stricter
     * than nutcracker's textual comparison, which lets {@code /tmp/s 0600} and {@code /tmp/s}
     * through to fail at bind time.
     */
    boolean sameEndpoint(ListenAddress other) {
        if (isUnix() || other.isUnix()) {
            return Objects.equals(path, other.path);
        }
        return port == other.port && host.toLowerCase(Locale.ROOT).equals(other.host.toLowerCase(Locale.ROOT));
    }

    /** Equal when the text is: {@code [::1]:1} and {@code ::1:1} differ, though they bind alike. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ListenAddress other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
