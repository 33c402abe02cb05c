package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.Binaries;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the end-to-end harness on real servers, before twd can serve: two redis-servers
 * and a memcached behind the reference nutcracker, driven with {@link Resp} and {@link Memc},
 * its stats read with {@link StatsClient}, and every process gone (by pid) after stop.
 */
class HarnessTest {
    private static RedisServer redis1;
    private static RedisServer redis2;
    private static Memcached memcached;
    private static Nutcracker nutcracker;

    static String config(RedisServer r1, RedisServer r2, Memcached mc, int redisPort, int mcPort) {
        return String.join("\n",
                "# two pools: a redis one and a memcache one",
                "alpha:",
                "  listen: 127.0.0.1:" + redisPort,
                "  redis: true",
                "  hash: md5                 # spreads similar keys well (fnv1a_64 clusters them)",
                "  distribution: ketama",
                "  timeout: 2000",
                "  servers:",
                "   - " + r1.serverLine(1, "r1"),
                "   - " + r2.serverLine(1, "r2"),
                "beta:",
                "  listen: \"127.0.0.1:" + mcPort + "\"",
                "  hash: fnv1a_64",
                "  distribution: ketama",
                "  timeout: 2000",
                "  servers:",
                "   - " + mc.serverLine(1, "mc1"),
                "");
    }

    @BeforeAll
    static void startServers() {
        redis1 = RedisServer.start();
        redis2 = RedisServer.start();
        memcached = Memcached.start();
        nutcracker = Nutcracker.start(config(redis1, redis2, memcached, FreePorts.allocate(), FreePorts.allocate()),
                "-i", "100");
    }

    @AfterAll
    static void stopServers() {
        List<ManagedProcess> all = new ArrayList<>();
        for (Object o : new Object[] {nutcracker, redis1, redis2, memcached}) {
            if (o instanceof ProxyProcess p) all.add(p.process());
            if (o instanceof RedisServer r) all.add(r.process());
            if (o instanceof Memcached m) all.add(m.process());
        }
        for (ManagedProcess p : all) p.stop();
        for (ManagedProcess p : all) assertGone(p);
    }

    static void assertGone(ManagedProcess p) {
        assertFalse(p.isAlive(), p + " is still alive");
        assertTrue(ProcessHandle.of(p.pid()).map(h -> !h.isAlive()).orElse(true),
                p + " still exists as pid " + p.pid());
    }

    @Test
    void redisSetGetThroughNutcracker() {
        try (Resp proxy = nutcracker.redis("alpha"); Resp direct1 = redis1.client(); Resp direct2 = redis2.client()) {
            int on1 = 0;
            int on2 = 0;
            for (int i = 0; i < 50; i++) {
                String key = "harness:key:" + i;
                assertEquals("OK", proxy.call("SET", key, "value-" + i));
                assertEquals("value-" + i, proxy.call("GET", key));
                long a = (Long) direct1.call("EXISTS", key);
                long b = (Long) direct2.call("EXISTS", key);
                assertEquals(1, a + b, key + " must live on exactly one backend");
                on1 += (int) a;
                on2 += (int) b;
            }
            assertTrue(on1 > 0 && on2 > 0, "md5/ketama should use both servers: " + on1 + "/" + on2);
        }
    }

    @Test
    void respTypesAndPipelining() {
        try (Resp proxy = nutcracker.redis("alpha")) {
            List<Object> replies = proxy.pipeline(List.of(
                    new String[] {"SET", "harness:p", "10"},
                    new String[] {"INCR", "harness:p"},
                    new String[] {"GET", "harness:p"},
                    new String[] {"GET", "harness:missing"},
                    new String[] {"MGET", "harness:p", "harness:missing"},
                    new String[] {"SET", "harness:s", "text"},
                    new String[] {"INCR", "harness:s"},
                    new String[] {"DEL", "harness:p", "harness:s", "harness:missing"}));
            assertEquals("OK", replies.get(0));
            assertEquals(11L, replies.get(1));
            assertEquals("11", replies.get(2));
            assertNull(replies.get(3));
            assertEquals(java.util.Arrays.asList("11", null), replies.get(4));
            Resp.Error err = assertInstanceOf(Resp.Error.class, replies.get(6));
            assertEquals("ERR", err.kind());
            assertEquals(2L, replies.get(7));

            byte[] binary = {0, 1, (byte) 0xff, '\r', '\n', 'x'};
            proxy.send("SET".getBytes(StandardCharsets.UTF_8), "harness:bin".getBytes(StandardCharsets.UTF_8), binary);
            assertEquals("OK", proxy.read());
            proxy.send("GET", "harness:bin");
            assertArrayEquals(binary, proxy.readBulkBytes());
            proxy.send("GET", "harness:missing");
            assertEquals("$-1\r\n", proxy.readRawReplyString());
            assertEquals("+PONG\r\n", new String(proxy.send("PING").readRawReply(), StandardCharsets.US_ASCII));
            assertFalse(proxy.isClosedByPeer(Duration.ofMillis(200)), "an idle connection stays open");
        }
    }

    @Test
    void unsupportedCommandMakesNutcrackerClose() {
        try (Resp proxy = nutcracker.redis("alpha")) {
            proxy.send("CONFIG", "GET", "maxmemory");
            assertTrue(proxy.isClosedByPeer(Duration.ofSeconds(5)), "nutcracker closes on unsupported commands");
        }
    }

    @Test
    void memcacheThroughNutcracker() {
        try (Memc proxy = nutcracker.memcache("beta"); Memc direct = memcached.client()) {
            assertEquals("STORED", proxy.set("harness:a", "1"));
            assertEquals("STORED", proxy.set("harness:b", 7, 0, "two".getBytes(StandardCharsets.UTF_8)));
            assertEquals(Map.of("harness:a", "1", "harness:b", "two"), proxy.get("harness:a", "harness:missing", "harness:b"));
            List<Memc.Item> items = proxy.items("gets", "harness:b");
            assertEquals(1, items.size());
            assertEquals(7, items.get(0).flags());
            assertTrue(items.get(0).cas() != null);
            assertEquals(Map.of("harness:a", "1"), direct.get("harness:a"), "the value is on the real memcached");
            assertEquals("DELETED", proxy.delete("harness:a"));
            assertEquals("NOT_FOUND", proxy.delete("harness:a"));
            assertEquals(Map.of(), proxy.get("harness:a"));
        }
    }

    @Test
    void statsNamePoolsAndServers() {
        try (Resp proxy = nutcracker.redis("alpha")) {
            assertEquals("OK", proxy.call("SET", "harness:stats", "x"));
        }
        StatsClient.Stats stats = nutcracker.stats();
        assertTrue(stats.raw().startsWith("{\"service\":\"nutcracker\""), stats.raw());
        assertTrue(stats.raw().endsWith("}\n"), stats.raw());
        assertEquals("0.5.0", stats.json().get("version").getAsString());
        // nutcracker sorts pools by name, shorter names first: "beta" (4) before "alpha" (5).
        assertEquals(List.of("beta", "alpha"), stats.pools());
        assertEquals(List.of("r1", "r2"), stats.servers("alpha"));
        assertEquals(List.of("mc1"), stats.servers("beta"));
        assertTrue(stats.metric("curr_connections") >= 0);
        assertEquals(0, stats.poolMetric("alpha", "fragments"));
        assertTrue(stats.serverMetric("alpha", "r1", "server_ejected_at") >= 0);
    }

    @Test
    void processesAreGoneAfterStopAndKill() throws Exception {
        RedisServer r = RedisServer.start();
        Memcached m = Memcached.start();
        // r1 and r2 may share an address: names, not addresses, must be unique.
        Nutcracker n = Nutcracker.start(config(r, r, m, FreePorts.allocate(), FreePorts.allocate()));
        long[] pids = {r.pid(), m.pid(), n.pid()};
        for (long pid : pids) assertTrue(ProcessHandle.of(pid).isPresent(), "pid " + pid + " should be running");
        assertTrue(Files.size(n.configFile()) > 0);

        assertEquals(143, n.stop(), "nutcracker has no SIGTERM handler: it dies of the signal");
        r.stop();
        assertEquals(137, m.kill(), "SIGKILL");
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "pid " + pid + " is still there");
        }
        assertAllStopped(List.of(r.process(), m.process(), n.process()));

        RedisServer again = r.restart(); // same port, new process
        try (Resp c = again.client()) {
            assertEquals("PONG", c.call("PING"));
        }
        assertNotEquals(pids[0], again.pid());
        again.stop();
        assertGone(again.process());
    }

    private static void assertAllStopped(List<ManagedProcess> processes) {
        for (ManagedProcess p : processes) {
            assertGone(p);
            assertFalse(ManagedProcess.running().contains(p), p + " still registered as running");
        }
    }

    @Test
    void earlyExitIsReportedWithTheLog() {
        int port = FreePorts.allocate();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ManagedProcess
                .builder("fails", "sh", "-c", "echo boom-from-the-child >&2; exit 3")
                .waitForPort(port).start());
        assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("boom-from-the-child"), e.getMessage());
    }

    @Test
    void startTimeoutKillsTheProcess() throws Exception {
        int before = ManagedProcess.running().size();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ManagedProcess
                .builder("sleeper", "sleep", "60").waitForPort(FreePorts.allocate())
                .startTimeout(Duration.ofMillis(500)).start());
        assertTrue(e.getMessage().contains("killed it"), e.getMessage());
        assertEquals(before, ManagedProcess.running().size());
    }

    @Test
    void aPortHeldByAnotherProcessIsNotMistakenForOurs() throws Exception {
        // Something else already listens on the port: the readiness check must not accept it.
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.allocate()));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ManagedProcess
                    .builder("sleeper", "sleep", "60").waitForPort(squatter.getLocalPort())
                    .startTimeout(Duration.ofMillis(500)).start());
            assertTrue(e.getMessage().contains("port clash"), e.getMessage());
        }
    }

    @Test
    void freePortsAreDistinctAndBindable() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int port : FreePorts.allocate(200)) {
            assertTrue(seen.add(port), "port " + port + " handed out twice");
            if (FreePorts.ephemeralLow() > 21000) {
                assertTrue(port >= 20000 && port < FreePorts.ephemeralLow(), "port " + port + " is in the ephemeral range");
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
    }

    @Test
    void listensAreReadFromTheConfig() {
        Map<String, String> l = ProxyProcess.listensOf(String.join("\n",
                "alpha:", "  listen: 127.0.0.1:1000   # comment", "  servers:", "   - 127.0.0.1:1:1 a",
                "\"beta\":", "  listen: '/tmp/x.sock 0666'",
                "gamma: # pool", "  listen: \"::1:2000\""));
        assertEquals(List.of("alpha", "beta", "gamma"), new ArrayList<>(l.keySet()));
        assertEquals("127.0.0.1:1000", l.get("alpha"));
        assertEquals("/tmp/x.sock", l.get("beta"));
        assertEquals("::1:2000", l.get("gamma"));
    }

    @Test
    void missingProgramsSayHowToInstallThem() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Binaries.require("no-such-server-binary"));
        assertTrue(e.getMessage().contains("bin/run-tests"), e.getMessage());
        for (String program : List.of("redis-server", "memcached", "nutcracker")) {
            assertTrue(Binaries.find(program).isPresent(), Binaries.require(program));
        }
    }

    @Test
    void twdProcessLaunchesFromTheClasspathAndStops() {
        // The real engine is not there yet: a stand-in main class proves launch, readiness,
        // stats and stop. Real twd tests use TwdProcess.start(yaml) the same way.
        System.setProperty("twd.mainClass", "io.twd.tests.support.StandInDaemon");
        try (TwdProcess twd = TwdProcess.start(String.join("\n",
                "p1:", "  listen: 127.0.0.1:" + FreePorts.allocate(), "  servers:", "   - 127.0.0.1:1:1 a",
                "p2:", "  listen: 127.0.0.1:" + FreePorts.allocate(), "  servers:", "   - 127.0.0.1:1:1 a", ""))) {
            assertTrue(twd.process().command().contains("-Dio.netty.leakDetection.level=paranoid"));
            assertTrue(twd.process().listensOn(twd.port("p1")));
            assertTrue(twd.process().listensOn(twd.port("p2")));
            assertEquals(List.of("p1", "p2"), twd.stats().pools());
            assertTrue(twd.process().log().contains("stand-in daemon listening"), twd.logTail());
            assertEquals(List.of(), twd.leakReports());
            long pid = twd.pid();
            twd.stop();
            assertGone(twd.process());
            assertTrue(ProcessHandle.of(pid).isEmpty());
        } finally {
            System.clearProperty("twd.mainClass");
        }
    }

    @Test
    void twdStartsFromTheTestClasspath() {
        ManagedProcess.Result r = TwdProcess.run("-V");
        assertEquals(0, r.exitCode(), "twd -V: " + r.output());
    }
}
