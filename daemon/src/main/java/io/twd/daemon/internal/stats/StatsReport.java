package io.twd.daemon.internal.stats;

import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.proxy.Engine;
import java.net.InetAddress;

/**
 * Renders the stats document byte-for-byte in nutcracker's shape (field names, order, separators,
 * pools and servers in twemproxy's name order), so dashboards that read nutcracker read twd.
 */
public final class StatsReport {
    /** The service and version nutcracker reports; twd answers as the twemproxy it replaces. */
    static final String SERVICE = "nutcracker";
    static final String VERSION = "0.5.0";
    private static final String SOURCE = hostname();

    private StatsReport() {
    }

    public static String render(Engine engine) {
        StringBuilder out = new StringBuilder(1024);
        long now = System.currentTimeMillis();
        // nutcracker counts each pool's listening socket as a connection too (its proxy conn),
        // in both totals; every pool listens once the stats port serves.
        long listeners = engine.pools().length;
        out.append("{\"service\":\"").append(SERVICE)
            .append("\", \"source\":\"").append(SOURCE)
            .append("\", \"version\":\"").append(VERSION)
            .append("\", \"uptime\":").append((now - engine.startMillis()) / 1000)
            .append(", \"timestamp\":").append(now / 1000)
            .append(", \"total_connections\":").append(engine.totalConnections() + listeners)
            .append(", \"curr_connections\":").append(engine.currConnections() + listeners)
            .append(", ");
        ServerPool[] pools = engine.pools();
        for (int p = 0; p < pools.length; p++) {
            if (p > 0) {
                out.append(',');
            }
            pool(out, pools[p]);
        }
        return out.append("}\n").toString();
    }

    private static void pool(StringBuilder out, ServerPool pool) {
        long clientEof = 0;
        long clientErr = 0;
        long clientConnections = 0;
        long forwardError = 0;
        long fragments = 0;
        for (PoolCounters c : pool.allCounters()) {
            clientEof += c.clientEof;
            clientErr += c.clientErr;
            clientConnections += c.clientConnections;
            forwardError += c.forwardError;
            fragments += c.fragments;
        }
        name(out, pool.name()).append(": {");
        field(out, "client_eof", clientEof);
        field(out, "client_err", clientErr);
        field(out, "client_connections", clientConnections);
        field(out, "server_ejects", pool.serverEjects());
        field(out, "forward_error", forwardError);
        field(out, "fragments", fragments);
        Server[] servers = pool.servers();
        for (int s = 0; s < servers.length; s++) {
            if (s > 0) {
                out.append(',');
            }
            server(out, servers[s]);
        }
        out.append('}');
    }

    private static void server(StringBuilder out, Server server) {
        long[] sum = new long[ServerCounters.NAMES.length];
        for (ServerCounters c : server.allCounters()) {
            c.addTo(sum);
        }
        name(out, server.name()).append(": {");
        for (int i = 0; i < sum.length; i++) {
            if (i == 4) {
                field(out, "server_ejected_at", server.ejectedAtMicros());
            }
            out.append('"').append(ServerCounters.NAMES[i]).append("\":").append(sum[i]);
            if (i + 1 < sum.length) {
                out.append(", ");
            }
        }
        out.append('}');
    }

    private static void field(StringBuilder out, String name, long value) {
        out.append('"').append(name).append("\":").append(value).append(", ");
    }

    /** Pool and server names are validated config words, but escape them as JSON strings anyway. */
    private static StringBuilder name(StringBuilder out, String name) {
        out.append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "localhost";
        }
    }

    /** {@code twd -D}: the descriptions nutcracker prints for each metric. */
    public static String describe() {
        return String.join("\n",
            "pool stats:",
            "  client_eof          \"# eof on client connections\"",
            "  client_err          \"# errors on client connections\"",
            "  client_connections  \"# active client connections\"",
            "  server_ejects       \"# times backend server was ejected\"",
            "  forward_error       \"# times we encountered a forwarding error\"",
            "  fragments           \"# fragments created from a multi-vector request\"",
            "",
            "server stats:",
            "  server_eof          \"# eof on server connections\"",
            "  server_err          \"# errors on server connections\"",
            "  server_timedout     \"# timeouts on server connections\"",
            "  server_connections  \"# active server connections\"",
            "  server_ejected_at   \"timestamp when server was ejected in usec since epoch\"",
            "  requests            \"# requests\"",
            "  request_bytes       \"total request bytes\"",
            "  responses           \"# responses\"",
            "  response_bytes      \"total response bytes\"",
            "  in_queue            \"# requests in incoming queue\"",
            "  in_queue_bytes      \"current request bytes in incoming queue\"",
            "  out_queue           \"# requests in outgoing queue\"",
            "  out_queue_bytes     \"current request bytes in outgoing queue\"",
            "");
    }
}
