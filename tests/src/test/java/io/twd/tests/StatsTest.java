package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stats port: twd's document has nutcracker's shape (the same keys in the same order at
 * every level, the same separators), and its counters move with the traffic as nutcracker's
 * do. twd runs one event loop here so that connection counts can be compared one to one.
 */
class StatsTest {
    private static final List<RedisServer> refBackends = new ArrayList<>();
    private static final List<RedisServer> twdBackends = new ArrayList<>();
    private static Nutcracker ref;
    private static TwdProcess twd;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            refBackends.add(RedisServer.start());
            twdBackends.add(RedisServer.start());
        }
        ref = Nutcracker.start(config(refBackends), "-i", "100");
        twd = TwdProcess.start(config(twdBackends), "--threads", "1");
    }

    @AfterAll
    static void stop() {
        twd.stop();
        ref.stop();
        for (RedisServer r : refBackends) r.stop();
        for (RedisServer r : twdBackends) r.stop();
    }

    /** Pools and servers whose sorted order differs from the file order; named and unnamed servers. */
    private static String config(List<RedisServer> b) {
        return String.join("\n",
                "gamma:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  hash: md5",
                "  servers:",
                "   - " + b.get(0).serverLine(1, "server10"),
                "   - " + b.get(1).serverLine(1, "server9"),
                "   - " + b.get(2).serverLine(1, "alpha"),
                "beta:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + b.get(2).serverLine(1, "solo"),
                "alpha:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + b.get(0).serverLine(1, null),
                "");
    }

    /** Every key path of the document, in order: "service", "gamma", "gamma/server9", "gamma/server9/requests", ... */
    private static List<String> keyPaths(JsonObject o, String prefix) {
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            String path = prefix + e.getKey();
            paths.add(path);
            if (e.getValue().isJsonObject()) paths.addAll(keyPaths(e.getValue().getAsJsonObject(), path + "/"));
        }
        return paths;
    }

    /** The raw document with every number and the host name blanked: what is left is the shape. */
    private static String shape(StatsClient.Stats s) {
        String source = s.json().get("source").getAsString();
        return s.raw().replace("\"source\":\"" + source + "\"", "\"source\":\"HOST\"")
                .replaceAll(":\\d+(?=[,}])", ":N")
                .replace(s.json().get("version").getAsString(), "VERSION");
    }

    /** Normalizes the one server name that differs between the two setups (an unnamed server is named by its address). */
    private static List<String> normalize(List<String> paths, RedisServer unnamed) {
        List<String> out = new ArrayList<>();
        for (String p : paths) out.add(p.replace(unnamed.address(), "UNNAMED"));
        return out;
    }

    @Test
    void theDocumentHasNutcrackersKeysInNutcrackersOrder() {
        StatsClient.Stats want = ref.stats();
        StatsClient.Stats got = twd.stats();
        assertEquals(normalize(keyPaths(want.json(), ""), refBackends.get(0)), normalize(keyPaths(got.json(), ""), twdBackends.get(0)));
        assertEquals(shape(want).replace(refBackends.get(0).address(), "UNNAMED"),
                shape(got).replace(twdBackends.get(0).address(), "UNNAMED"), "separators and layout");
        assertEquals(List.of("service", "source", "version", "uptime", "timestamp", "total_connections", "curr_connections"),
                keyPaths(got.json(), "").subList(0, 7));
        assertEquals("nutcracker", got.json().get("service").getAsString());
        assertEquals("0.5.0", got.json().get("version").getAsString());
        assertTrue(!got.json().get("source").getAsString().isEmpty());
        assertEquals(List.of("beta", "alpha", "gamma"), got.pools(), "pools in twemproxy's name order");
        assertEquals(List.of("alpha", "server9", "server10"), got.servers("gamma"), "servers in twemproxy's name order");
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(got.metric("timestamp") - now) <= 5, "timestamp is unix seconds: " + got.metric("timestamp"));
        assertTrue(got.metric("uptime") >= 0 && got.metric("uptime") < 600, "uptime in seconds: " + got.metric("uptime"));
        assertTrue(got.raw().endsWith("}\n"));
    }

    /** The same traffic through each proxy; nutcracker's numbers are read after its 100 ms aggregation. */
    private static Map<String, Long> traffic(ProxyProcess p) throws InterruptedException {
        try (Resp a = p.redis("beta"); Resp b = p.redis("beta")) {
            for (int i = 0; i < 10; i++) assertEquals("OK", a.call("SET", "stats:" + i, "value-" + i));
            for (int i = 0; i < 10; i++) assertEquals("value-" + i, b.call("GET", "stats:" + i));
            assertEquals("PONG", a.call("PING"), "answered by the proxy: not a server request");
            // nutcracker publishes its counters every 100 ms (-i 100); twd's are always current.
            StatsClient.Stats s = p.stats();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.serverMetric("beta", "solo", "responses") < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                s = p.stats();
            }
            Thread.sleep(250);
            s = p.stats();
            Map<String, Long> m = new LinkedHashMap<>();
            for (String name : List.of("requests", "request_bytes", "responses", "response_bytes", "server_connections",
                    "server_eof", "server_err", "server_timedout", "in_queue", "in_queue_bytes", "out_queue", "out_queue_bytes")) {
                m.put(name, s.serverMetric("beta", "solo", name));
            }
            for (String name : List.of("client_connections", "client_eof", "client_err", "forward_error", "server_ejects")) {
                m.put("pool " + name, s.poolMetric("beta", name));
            }
            m.put("curr_connections", s.metric("curr_connections"));
            m.put("total_connections", s.metric("total_connections"));
            return m;
        }
    }

    @Test
    void countersMoveLikeNutcrackers() throws Exception {
        Map<String, Long> want = traffic(ref);
        Map<String, Long> got = traffic(twd);
        assertEquals(want, got);
        assertEquals(20L, got.get("requests"));
        assertEquals(2L, got.get("pool client_connections"));
        assertTrue(got.get("request_bytes") > 20 * 10);

        // Closed clients are gone from the gauge and counted as client_eof.
        Thread.sleep(300);
        assertEquals(0, twd.stats().poolMetric("beta", "client_connections"));
        assertTrue(twd.stats().poolMetric("beta", "client_eof") >= 2);
        assertTrue(twd.stats().metric("total_connections") >= 3, twd.stats().raw());
    }
}
