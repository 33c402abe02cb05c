package io.twd.protocol.config;

import java.util.Objects;

/**
 * One entry of a pool's {@code servers:} list: {@code host:port:weight [name]} or
 * {@code /path/to/unix.sock:weight [name]}.
 *
 * <p>The line is taken apart from the end exactly as nutcracker does it: the name after the last
 * space, the weight after the last colon, then the port after the colon before it; whatever is
 * left is the host, so IPv6 needs no brackets ({@code ::1:6379:1}). Hosts are not resolved here;
 * nutcracker and twd resolve them at connect time.
 *
 * <p>The name is what ketama hashes, what the stats JSON shows and what must be unique in a pool.
 * Without an explicit name it is derived from the text as written: {@code host:port}, or just
 * {@code host} for port 11211 (libmemcached compatibility), or for a unix socket the path followed
 * by a colon ({@code /tmp/r.sock:}), an artefact of nutcracker's parser that twd keeps so that
 * ketama places keys on the same servers.
 */
public final class ServerSpec {
    /** libmemcached leaves this port out of the name it hashes; nutcracker follows it. */
    private static final int MEMCACHED_PORT = 11211;
    private static final String FORMAT =
            "is not \"host:port:weight [name]\" or \"/path/to/socket:weight [name]\"";

    private final String endpoint; // as written before ":weight": "host:port" or the unix path
    private final String host;     // without IPv6 brackets; null for unix
    private final int port;        // 0 for unix
    private final int weight;
    private final String name;
    private final boolean explicitName;

    private ServerSpec(String endpoint, String host, int port, int weight, String name, boolean explicitName) {
        this.endpoint = endpoint;
        this.host = host;
        this.port = port;
        this.weight = weight;
        this.name = name;
        this.explicitName = explicitName;
    }

    /** @throws IllegalArgumentException with a reason that quotes the line */
    public static ServerSpec parse(String line) {
        Objects.requireNonNull(line, "line");
        if (line.isEmpty()) {
            throw new IllegalArgumentException("server line is empty");
        }
        String rest = line;
        String name = null;
        int space = line.lastIndexOf(' ');
        if (space >= 0) {
            name = line.substring(space + 1);
            rest = line.substring(0, space);
            if (name.isEmpty()) {
                throw bad(line, "has an empty name after the space");
            }
            if (ConfigValues.hasControl(name)) {
                // The name is a stats JSON key and a log word: no line breaks or other controls.
                throw bad(line, "has a control character in its name");
            }
        }
        int colon = rest.lastIndexOf(':');
        if (colon < 0) {
            throw bad(line, FORMAT);
        }
        String endpoint = rest.substring(0, colon);
        int weight = weight(line, rest.substring(colon + 1));
        return endpoint.startsWith("/")
                ? unix(line, endpoint, weight, name)
                : inet(line, endpoint, weight, name);
    }

    private static int weight(String line, String text) {
        long weight = ConfigValues.digits(text);
        if (weight < 0 || weight > Integer.MAX_VALUE) {
            throw bad(line, "has an invalid weight \"" + text + "\"");
        }
        if (weight == 0) {
            throw bad(line, "has a zero weight");
        }
        return (int) weight;
    }

    private static ServerSpec unix(String line, String path, int weight, String name) {
        // nutcracker reads a colon in the path as a port and then rejects the line.
        if (path.indexOf(':') >= 0) {
            throw bad(line, FORMAT);
        }
        if (ConfigValues.hasWhitespace(path)) {
            throw bad(line, "has a blank in its socket path");
        }
        if (ConfigValues.utf8Length(path) > ConfigValues.MAX_UNIX_PATH_BYTES) {
            throw bad(line, "has a socket path longer than " + ConfigValues.MAX_UNIX_PATH_BYTES + " bytes");
        }
        return new ServerSpec(path, null, 0, weight, name != null ? name : path + ":", name != null);
    }

    private static ServerSpec inet(String line, String endpoint, int weight, String name) {
        int colon = endpoint.lastIndexOf(':');
        if (colon < 0) {
            throw bad(line, FORMAT);
        }
        String address = endpoint.substring(0, colon);
        String portText = endpoint.substring(colon + 1);
        long port = ConfigValues.digits(portText);
        if (!ConfigValues.isPort(port)) {
            throw bad(line, "has an invalid port \"" + portText + "\" (must be 1..65535)");
        }
        String host = address;
        if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw bad(line, "has an empty host");
        }
        if (ConfigValues.hasWhitespace(host)) {
            throw bad(line, "has a blank in its host");
        }
        String defaultName = port == MEMCACHED_PORT ? address : endpoint;
        return new ServerSpec(endpoint, host, (int) port, weight, name != null ? name : defaultName, name != null);
    }

    private static IllegalArgumentException bad(String line, String why) {
        return new IllegalArgumentException("server \"" + line + "\" " + why);
    }

    public boolean isUnix() {
        return host == null;
    }

    /** Host name or address without IPv6 brackets; null for a unix socket. */
    public String host() {
        return host;
    }

    /** 1..65535; 0 for a unix socket. */
    public int port() {
        return port;
    }

    /** The socket path; null unless {@link #isUnix()}. */
    public String path() {
        return isUnix() ? endpoint : null;
    }

    public int weight() {
        return weight;
    }

    /** The explicit name, or the default derived as described in the class comment. */
    public String name() {
        return name;
    }

    public boolean hasExplicitName() {
        return explicitName;
    }

    /** The canonical line, e.g. {@code 127.0.0.1:6379:1 r1}; {@link #parse} reads it back equal. */
    public String text() {
        String line = endpoint + ":" + weight;
        return explicitName ? line + " " + name : line;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerSpec other
                && endpoint.equals(other.endpoint)
                && weight == other.weight
                && name.equals(other.name)
                && explicitName == other.explicitName;
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpoint, weight, name, explicitName);
    }

    @Override
    public String toString() {
        return text();
    }
}
