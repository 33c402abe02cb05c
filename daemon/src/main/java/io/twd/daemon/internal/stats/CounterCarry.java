package io.twd.daemon.internal.stats;

import com.google.gson.JsonObject;
import io.twd.daemon.internal.pool.Server;
import io.twd.daemon.internal.pool.ServerPool;
import io.twd.daemon.internal.proxy.Engine;

/**
 * Carries counters and ejection state from a process to its successor, so a reload does not reset
 * the stats dashboards see, nor forget that a server is ejected. Gauges (connections, queues) are
 * not carried: they describe the process that holds the connections.
 */
public final class CounterCarry {
    private CounterCarry() {
    }

    public static JsonObject export(Engine engine) {
        JsonObject out = new JsonObject();
        out.addProperty("start_millis", engine.startMillis());
        out.addProperty("total_connections", engine.totalConnections());
        JsonObject pools = new JsonObject();
        for (ServerPool pool : engine.pools()) {
            JsonObject p = new JsonObject();
            long eof = 0;
            long err = 0;
            long fwd = 0;
            long frag = 0;
            for (PoolCounters c : pool.allCounters()) {
                eof += c.clientEof;
                err += c.clientErr;
                fwd += c.forwardError;
                frag += c.fragments;
            }
            p.addProperty("client_eof", eof);
            p.addProperty("client_err", err);
            p.addProperty("forward_error", fwd);
            p.addProperty("fragments", frag);
            p.addProperty("server_ejects", pool.serverEjects());
            JsonObject servers = new JsonObject();
            for (Server server : pool.servers()) {
                long[] sum = new long[ServerCounters.NAMES.length];
                for (ServerCounters c : server.allCounters()) {
                    c.addTo(sum);
                }
                JsonObject s = new JsonObject();
                for (int i : CARRIED) {
                    s.addProperty(ServerCounters.NAMES[i], sum[i]);
                }
                s.addProperty("ejected_until", server.ejectedUntil());
                s.addProperty("server_ejected_at", server.ejectedAtMicros());
                servers.add(server.name(), s);
            }
            p.add("servers", servers);
            pools.add(pool.name(), p);
        }
        out.add("pools", pools);
        return out;
    }

    /** Adds a predecessor's counters to this process's; pools and servers are matched by name. */
    public static void apply(Engine engine, JsonObject carried) {
        JsonObject pools = carried.getAsJsonObject("pools");
        engine.runOnFirstLoop(() -> {
            for (ServerPool pool : engine.pools()) {
                JsonObject p = pools == null ? null : pools.getAsJsonObject(pool.name());
                if (p == null) {
                    continue;
                }
                PoolCounters c = pool.counters(0);
                c.clientEof += p.get("client_eof").getAsLong();
                c.clientErr += p.get("client_err").getAsLong();
                c.forwardError += p.get("forward_error").getAsLong();
                c.fragments += p.get("fragments").getAsLong();
                pool.inheritEjects(p.get("server_ejects").getAsLong());
                JsonObject servers = p.getAsJsonObject("servers");
                for (Server server : pool.servers()) {
                    JsonObject s = servers.getAsJsonObject(server.name());
                    if (s == null) {
                        continue;
                    }
                    ServerCounters sc = server.counters(0);
                    sc.serverEof += s.get("server_eof").getAsLong();
                    sc.serverErr += s.get("server_err").getAsLong();
                    sc.serverTimedout += s.get("server_timedout").getAsLong();
                    sc.requests += s.get("requests").getAsLong();
                    sc.requestBytes += s.get("request_bytes").getAsLong();
                    sc.responses += s.get("responses").getAsLong();
                    sc.responseBytes += s.get("response_bytes").getAsLong();
                    server.inheritEjection(s.get("ejected_until").getAsLong(), s.get("server_ejected_at").getAsLong());
                }
                pool.rebuildNow();
            }
        });
    }

    /** Indexes into {@link ServerCounters#NAMES} of the counters (not gauges) that carry over. */
    private static final int[] CARRIED = {0, 1, 2, 4, 5, 6, 7};
}
