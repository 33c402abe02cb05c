package io.twd.tests.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a nutcracker-style stats port: connect, read the one JSON document the server writes,
 * until it closes the connection. Nothing is sent.
 */
public final class StatsClient {
    private StatsClient() {}

    /** The raw text (e.g. {@code {"service":"nutcracker", ...}\n}) and its parse; key order is kept. */
    public record Stats(String raw, JsonObject json) {
        /** Pool names: the top-level keys whose value is an object, in document order. */
        public List<String> pools() {
            return objectKeys(json);
        }

        public JsonObject pool(String pool) {
            JsonObject p = json.getAsJsonObject(pool);
            if (p == null) throw new IllegalArgumentException("no pool '" + pool + "' in stats: " + raw);
            return p;
        }

        /** Server names of a pool, in document order. */
        public List<String> servers(String pool) {
            return objectKeys(pool(pool));
        }

        public JsonObject server(String pool, String server) {
            JsonObject s = pool(pool).getAsJsonObject(server);
            if (s == null) throw new IllegalArgumentException("no server '" + server + "' in pool '" + pool + "': " + raw);
            return s;
        }

        /** A top-level number such as {@code total_connections}. */
        public long metric(String name) {
            return number(json, name);
        }

        public long poolMetric(String pool, String name) {
            return number(pool(pool), name);
        }

        public long serverMetric(String pool, String server, String name) {
            return number(server(pool, server), name);
        }

        private long number(JsonObject o, String name) {
            JsonElement e = o.get(name);
            if (e == null || !e.isJsonPrimitive()) throw new IllegalArgumentException("no number '" + name + "' in " + o);
            return e.getAsLong();
        }

        private static List<String> objectKeys(JsonObject o) {
            List<String> keys = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                if (e.getValue().isJsonObject()) keys.add(e.getKey());
            }
            return keys;
        }
    }

    public static Stats fetch(int port) {
        return fetch("127.0.0.1", port);
    }

    public static Stats fetch(String host, int port) {
        String raw = fetchRaw(host, port);
        try {
            return new Stats(raw, JsonParser.parseString(raw).getAsJsonObject());
        } catch (RuntimeException e) {
            throw new IllegalStateException("stats on " + host + ":" + port + " are not a JSON object: " + raw, e);
        }
    }

    /** Everything the stats port writes before it closes the connection (5 s at most). */
    public static String fetchRaw(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stats from " + host + ":" + port, e);
        }
    }
}
