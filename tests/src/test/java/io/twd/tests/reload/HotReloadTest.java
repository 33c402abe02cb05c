package io.twd.tests.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.twd.protocol.config.TwdConfig;
import io.twd.tests.support.AdminClient;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.StatsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's proof: the operator's changes applied to a running twd under continuous load, with no
 * refused connection, no failed request and every reply correct. Load on pool A: 16 persistent
 * clients pipelining 8 checked commands at a time, plus 2 loops of connect / one request / close.
 * Applied in order, each checked right after: {@code pool add B}, {@code pool set A timeout=},
 * {@code pool set A server+=}, {@code pool del C}, {@code reload} of an edited file, {@code upgrade}.
 */
class HotReloadTest {
    static final int CLIENTS = 16;
    static final int CHURNERS = 2;

    @Test
    void changesUnderLoadLoseNothing() throws Exception {
        try (RedisServer r1 = RedisServer.start(); RedisServer r2 = RedisServer.start(); RedisServer r3 = RedisServer.start()) {
            int portA = FreePorts.allocate();
            int portB = FreePorts.allocate();
            int portC = FreePorts.allocate();
            String yaml = String.join("\n",
                    "# twd under test: HotReloadTest",
                    "A:",
                    "  listen: 127.0.0.1:" + portA,
                    "  redis: true",
                    "  timeout: 4000",
                    "  servers:",
                    "   - " + r1.serverLine(1, "r1"),
                    "   - " + r2.serverLine(1, "r2"),
                    "C:",
                    "  listen: 127.0.0.1:" + portC,
                    "  redis: true",
                    "  servers:",
                    "   - " + r2.serverLine(1, "r2"),
                    "");
            try (LiveDaemon d = LiveDaemon.start(yaml, "--drain-timeout", "10");
                 Load load = Load.start(portA, CLIENTS, CHURNERS)) {
                load.awaitProgress(20, 20_000);
                try (Resp c = Resp.connect(portC)) {
                    assertEquals("OK", c.call("SET", "hot:c", "1"));
                }

                // 1. pool add B: a new listener, serving at once.
                d.change("pool add B listen=127.0.0.1:" + portB + " redis=true server=\"" + r3.serverLine(1, "r3") + "\"");
                afterChange(d, load);
                try (Resp b = Resp.connect(portB)) {
                    assertEquals("OK", b.call("SET", "hot:b", "bee"));
                    assertEquals("bee", b.call("GET", "hot:b"));
                }
                try (Resp direct = r3.client()) {
                    assertEquals("bee", direct.call("GET", "hot:b"), "B's key is on B's server");
                }
                assertTrue(d.configOnDisk().pool("B").isPresent(), "pool B in the config file");
                assertEquals(List.of("A", "B", "C"), d.admin("pool list").body());

                // 2. pool set A timeout=: same listener, the new attribute live and on disk.
                d.change("pool set A timeout=4500");
                afterChange(d, load);
                assertEquals("4500", d.poolShow("A").get("timeout").getAsString());
                assertEquals(4500, d.configOnDisk().pool("A").orElseThrow().timeout());

                // 3. pool set A server+=: a third server in A's ring, taking part of the keys.
                d.change("pool set A server+=\"" + r3.serverLine(1, "r3") + "\"");
                afterChange(d, load);
                JsonArray servers = d.poolShow("A").getAsJsonArray("servers");
                assertEquals(3, servers.size(), "A's servers: " + servers);
                assertEquals(List.of("r1", "r2", "r3"),
                        d.configOnDisk().pool("A").orElseThrow().servers().stream().map(s -> s.name()).toList());
                awaitRequests(d, "A", "r3");

                // 4. pool del C: its listener closes (the port refuses), the others serve on.
                d.change("pool del C");
                afterChange(d, load);
                assertRefused(portC);
                assertFalse(d.configOnDisk().pool("C").isPresent(), "pool C gone from the config file");
                assertEquals(List.of("A", "B"), d.admin("pool list").body());

                // 5. reload after an edit of the file on disk.
                String edited = String.join("\n",
                        "# twd under test: HotReloadTest (edited by hand)",
                        "A:",
                        "  listen: 127.0.0.1:" + portA,
                        "  redis: true",
                        "  timeout: 4500",
                        "  server_retry_timeout: 7000",
                        "  servers:",
                        "   - " + r1.serverLine(1, "r1"),
                        "   - " + r2.serverLine(1, "r2"),
                        "   - " + r3.serverLine(1, "r3"),
                        "B:",
                        "  listen: 127.0.0.1:" + portB,
                        "  redis: true",
                        "  servers:",
                        "   - " + r3.serverLine(1, "r3"),
                        "");
                d.twd.rewriteConfig(edited);
                d.change("reload");
                afterChange(d, load);
                assertEquals("7000", d.poolShow("A").get("server_retry_timeout").getAsString());
                assertEquals(edited, new String(d.configBytes(), StandardCharsets.UTF_8), "reload leaves the file as edited");

                // 6. upgrade: the binary on disk again, same config.
                TwdConfig before = d.configOnDisk();
                d.change("upgrade");
                afterChange(d, load);
                assertEquals(before, d.configOnDisk());
                assertEquals("7000", d.poolShow("A").get("server_retry_timeout").getAsString());
                try (Resp b = Resp.connect(portB)) {
                    assertEquals("bee", b.call("GET", "hot:b"));
                }

                load.awaitProgress(20, 20_000);
                load.stop();
                String figures = load.summary() + "\n" + LiveDaemon.stats(d.applyMillis) + " " + d.applyMillis
                        + "\npids " + d.pids;
                System.out.println("HotReloadTest: " + figures);
                assertEquals(0, load.failures(), figures);
                assertEquals(0, load.refused(), figures);
                assertEquals(0, load.reconnects(), figures);
                assertEquals(List.of(), new ArrayList<>(load.movedPorts().keySet()), "clients that reconnected");
                assertEquals(List.of(), ProcNet.notHeldBy(d.pid(), portA, load.firstLocalPorts()),
                        "client connections not held by the current process " + d.pid());
                assertTrue(load.requests() > 1000, figures);
                d.assertOnlyCurrentRuns(15_000);
                assertEquals(List.of(), d.leftoverFiles());
                assertEquals(List.of(), d.twd.leakReports());
            }
        }
    }

    /** What every change must leave: the predecessor gone, every client still served, the pid file updated. */
    private static void afterChange(LiveDaemon d, Load load) throws IOException {
        load.awaitProgress(5, 20_000);
        d.awaitExit(d.pids.get(d.pids.size() - 2), 15_000);
        assertEquals(Long.toString(d.pid()), Files.readString(d.pidFile).trim(), "pid file");
        JsonObject status = AdminClient.json(d.admin("status"));
        assertEquals(d.pid(), status.get("pid").getAsLong());
        assertEquals(d.generation, status.get("generation").getAsLong());
        assertEquals(0, load.failures(), load.summary());
    }

    /** The stats (served by the current process) show requests sent to {@code server} of {@code pool}. */
    private static void awaitRequests(LiveDaemon d, String pool, String server) {
        long deadline = System.currentTimeMillis() + 10_000;
        long n = 0;
        while (System.currentTimeMillis() < deadline) {
            StatsClient.Stats s = d.twd.stats();
            n = s.serverMetric(pool, server, "requests");
            if (n > 0) return;
            LiveDaemon.sleep(50);
        }
        throw new AssertionError("no requests reached " + pool + "/" + server);
    }

    static void assertRefused(int port) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        }, "port " + port + " must refuse connections");
        assertTrue(e.getCause() instanceof ConnectException, "refused, not " + e.getCause());
    }
}
