package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a client sees when something is wrong. Where twemproxy silently closes the connection
 * (unsupported command, bad arity, long key), twd answers {@code -ERR} naming the problem and
 * keeps the connection (twd(8), "DIFFERENCES FROM TWEMPROXY"); a stream it cannot frame is
 * answered {@code -ERR Protocol error: ...} and closed. Backend failures are twemproxy's
 * {@code -ERR <strerror>}.
 */
class ErrorsTest {
    private static RedisServer r1;
    private static RedisServer r2;
    private static RedisServer slow;
    private static int deadPort;
    private static TwdProcess twd;

    @BeforeAll
    static void start() {
        r1 = RedisServer.start();
        r2 = RedisServer.start();
        slow = RedisServer.start();
        deadPort = FreePorts.allocate(); // nothing ever listens here
        twd = TwdProcess.start(String.join("\n",
                "main:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  hash: md5",
                "  timeout: 3000",
                "  servers:",
                "   - " + r1.serverLine(1, "r1"),
                "   - " + r2.serverLine(1, "r2"),
                "dead:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - 127.0.0.1:" + deadPort + ":1 gone",
                deadPools(),
                "mixed:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  hash: md5",
                "  servers:",
                "   - " + r1.serverLine(1, "live"),
                "   - 127.0.0.1:" + deadPort + ":1 gone",
                "slowmix:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  hash: md5",
                "  timeout: 200",
                "  servers:",
                "   - " + r1.serverLine(1, "quick"),
                "   - " + slow.serverLine(1, "sloth"),
                "slow:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  timeout: 200",
                "  servers:",
                "   - " + slow.serverLine(1, "sloth"),
                ""));
    }

    /** Backends that cannot be reached three ways: nothing listening, no socket file, no such host. */
    private static String deadPools() {
        return String.join("\n",
                "deadunix:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + missingSocket() + ":1",
                "nohost:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - no-such-host.invalid:6379:1");
    }

    private static String missingSocket() {
        return System.getProperty("java.io.tmpdir") + "/twd-errors-no-such.sock";
    }

    @AfterAll
    static void stop() {
        List<String> leaks = twd.leakReports();
        twd.stop();
        r1.stop();
        r2.stop();
        slow.stop();
        assertTrue(leaks.isEmpty(), "buffer leaks: " + leaks);
    }

    private static Resp.Error err(String message) {
        return new Resp.Error(message);
    }

    /** After an error the same connection still serves: a write and a read round trip. */
    private static void assertUsable(Resp c, String context) {
        assertEquals("OK", c.call("SET", "usable", context), "SET after " + context);
        assertEquals(context, c.call("GET", "usable"), "GET after " + context);
    }

    // ------------------------------------------------------------------ answered, connection kept

    @Test
    void unsupportedAndUnknownCommandsAreAnsweredAndTheConnectionStaysUsable() {
        try (Resp c = twd.redis("main")) {
            assertEquals(err("ERR command 'keys' is not supported through the proxy"), c.call("KEYS", "*"));
            assertUsable(c, "KEYS");
            assertEquals(err("ERR command 'select' is not supported through the proxy"), c.call("SELECT", "0"));
            assertUsable(c, "SELECT");
            assertEquals(err("ERR command 'multi' is not supported through the proxy"), c.call("MULTI"));
            assertUsable(c, "MULTI");
            assertEquals(err("ERR command 'config' is not supported through the proxy"), c.call("config", "get", "maxmemory"));
            assertUsable(c, "CONFIG");
            assertEquals(err("ERR unknown command 'NOSUCHCOMMAND'"), c.call("NOSUCHCOMMAND", "x"));
            assertUsable(c, "unknown");
        }
    }

    @Test
    void wrongArityIsAnsweredAndTheConnectionStaysUsable() {
        try (Resp c = twd.redis("main")) {
            assertEquals(err("ERR wrong number of arguments for 'get' command"), c.call("GET"));
            assertUsable(c, "GET");
            assertEquals(err("ERR wrong number of arguments for 'get' command"), c.call("GET", "a", "b"));
            assertUsable(c, "GET a b");
            assertEquals(err("ERR wrong number of arguments for 'mset' command"), c.call("MSET", "a", "1", "b"));
            assertUsable(c, "MSET odd");
            assertEquals(err("ERR wrong number of arguments for 'hget' command"), c.call("HGET", "h"));
            assertUsable(c, "HGET");
        }
    }

    @Test
    void evalNeedsAKey() {
        try (Resp c = twd.redis("main")) {
            Object reply = c.call("EVAL", "return 1", "0");
            assertTrue(reply instanceof Resp.Error e && e.kind().equals("ERR") && e.message().contains("key"),
                    "EVAL with 0 keys: " + reply);
            assertUsable(c, "EVAL 0");
            reply = c.call("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0");
            assertTrue(reply instanceof Resp.Error e && e.message().contains("key"), "EVALSHA with 0 keys: " + reply);
            assertEquals(err("ERR Number of keys can't be greater than number of args"), c.call("EVAL", "return 1", "2", "k"));
            assertUsable(c, "EVAL too many keys");
            assertEquals(1L, c.call("EVAL", "return 1", "1", "k"));
        }
    }

    @Test
    void keysOfMbufSizeMinus48AreRejected() {
        String longest = "k".repeat(16335);
        String tooLong = "k".repeat(16336);
        try (Resp c = twd.redis("main")) {
            assertEquals("OK", c.call("SET", longest, "fits"));
            assertEquals("fits", c.call("GET", longest));
            assertEquals(1L, c.call("DEL", longest));
            Object reply = c.call("SET", tooLong, "x");
            assertTrue(reply instanceof Resp.Error e && e.kind().equals("ERR") && e.message().contains("key too long")
                    && e.message().contains("16336"), "16336-byte key: " + reply);
            assertUsable(c, "long key");
            // Every key of a multi-key command is checked, not only the first.
            reply = c.call("MGET", "short", tooLong);
            assertTrue(reply instanceof Resp.Error e && e.message().contains("key too long"), "MGET: " + reply);
            reply = c.call("MSET", "short", "v", tooLong, "v");
            assertTrue(reply instanceof Resp.Error e && e.message().contains("key too long"), "MSET: " + reply);
            assertUsable(c, "long keys in multi-key commands");
        }
        // None of them reached a backend.
        for (RedisServer r : List.of(r1, r2)) {
            try (Resp d = r.client()) {
                assertEquals(0L, d.call("EXISTS", tooLong));
                assertEquals(0L, d.call("EXISTS", "short"));
            }
        }
    }

    /** {@code -m}: as in twemproxy, a key must be shorter than the mbuf size minus 48. */
    @Test
    void theKeyLimitFollowsMbufSize() {
        try (TwdProcess small = TwdProcess.start("m:\n  listen: 127.0.0.1:" + FreePorts.allocate()
                + "\n  redis: true\n  servers:\n   - " + r1.serverLine(1, "r1") + "\n", "-m", "1024");
             Resp c = small.redis("m")) {
            assertEquals("OK", c.call("SET", "m".repeat(975), "fits"));
            Object reply = c.call("SET", "m".repeat(976), "x");
            assertTrue(reply instanceof Resp.Error e && e.message().contains("key too long"), "976 bytes with -m 1024: " + reply);
            assertEquals(1L, c.call("DEL", "m".repeat(975)));
            // Values are not limited by the mbuf size.
            assertEquals("OK", c.call("SET", "m:big", "v".repeat(100_000)));
            assertEquals(100_000, ((String) c.call("GET", "m:big")).length());
            assertEquals(1L, c.call("DEL", "m:big"));
        }
    }

    @Test
    void quitIsAnsweredThenTheConnectionCloses() {
        try (Resp c = twd.redis("main")) {
            c.sendRaw(concat(Resp.encode("SET", "q", "1"), Resp.encode("QUIT"), Resp.encode("GET", "q")));
            assertEquals("OK", c.read());
            assertEquals("OK", c.read());
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)), "closed after QUIT, nothing more answered");
        }
    }

    // ------------------------------------------------------------------ protocol errors: answered, then closed

    @Test
    void malformedRespIsAnsweredAsAProtocolErrorThenClosed() {
        try (Resp c = twd.redis("main")) {
            c.sendRaw("*x\r\n");
            Object reply = c.read();
            assertTrue(reply instanceof Resp.Error e && e.message().startsWith("ERR Protocol error: "), "*x: " + reply);
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)), "closed after a protocol error");
        }
        try (Resp c = twd.redis("main")) {
            c.sendRaw("PING\r\n");
            Object reply = c.read();
            assertTrue(reply instanceof Resp.Error e && e.message().startsWith("ERR Protocol error: ")
                    && e.message().contains("inline"), "inline PING: " + reply);
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)), "closed after an inline command");
        }
        try (Resp c = twd.redis("main")) {
            // Replies to requests before the garbage still go out, in order, before the error.
            c.sendRaw(concat(Resp.encode("SET", "before", "1"), Resp.encode("GET", "before"),
                    "*1\r\n$3\r\nGETxx\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            assertEquals("OK", c.read());
            assertEquals("1", c.read());
            Object reply = c.read();
            assertTrue(reply instanceof Resp.Error e && e.message().startsWith("ERR Protocol error: "), "bad bulk: " + reply);
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
        try (Resp c = twd.redis("main")) {
            c.sendRaw("*2\r\n:1\r\n:2\r\n");
            Object reply = c.read();
            assertTrue(reply instanceof Resp.Error e && e.message().startsWith("ERR Protocol error: "), "integers: " + reply);
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
        assertTrue(twd.stats().poolMetric("main", "client_err") >= 4, twd.stats().raw());
    }

    // ------------------------------------------------------------------ backend failures

    @Test
    void aDeadBackendIsConnectionRefused() {
        try (Resp c = twd.redis("dead")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(err("ERR Connection refused"), c.call("GET", "k" + i));
            }
            assertEquals(err("ERR Connection refused"), c.call("MGET", "a", "b", "c"));
            assertEquals("PONG", c.call("PING"), "the client connection stays open");
        }
        assertTrue(twd.stats().poolMetric("dead", "forward_error") >= 4, twd.stats().raw());
    }

    /** The texts are twemproxy's strerror(errno) for each way a backend cannot be reached. */
    @Test
    void unreachableBackendsGiveNutcrackersErrorTexts() {
        String yaml = String.join("\n",
                "dead:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - 127.0.0.1:" + deadPort + ":1 gone",
                deadPools(), "");
        try (Nutcracker ref = Nutcracker.start(yaml)) {
            for (String pool : List.of("dead", "deadunix", "nohost")) {
                try (Resp a = ref.redis(pool); Resp b = twd.redis(pool)) {
                    Object want = a.call("GET", "k");
                    assertTrue(want instanceof Resp.Error, pool + ": nutcracker said " + want);
                    assertEquals(want, b.call("GET", "k"), pool);
                    assertEquals(want, b.call("GET", "k"), pool + ", again");
                }
            }
        }
    }

    @Test
    void aSlowBackendTimesOut() throws Exception {
        long before = twd.stats().serverMetric("slow", "sloth", "server_timedout");
        try (Resp c = twd.redis("slow"); Resp direct = slow.client()) {
            assertEquals("OK", c.call("SET", "slow:key", "v"), "a first request opens the backend connection");
            assertEquals("OK", direct.call("CLIENT", "PAUSE", "3000"));
            long start = System.nanoTime();
            // Three requests queued on the same backend connection: all fail when the oldest expires.
            List<Object> replies = c.pipeline(List.of(new String[] {"GET", "slow:key"}, new String[] {"GET", "slow:key"},
                    new String[] {"INCR", "slow:n"}));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(List.of(err("ERR Connection timed out"), err("ERR Connection timed out"), err("ERR Connection timed out")),
                    replies);
            assertTrue(ms >= 150 && ms < 2500, "timed out after " + ms + " ms, the pool's timeout is 200");
            assertTrue(twd.stats().serverMetric("slow", "sloth", "server_timedout") > before, twd.stats().raw());
            // Once redis answers again, a new backend connection serves the client.
            Thread.sleep(Math.max(0, 3100 - (System.nanoTime() - start) / 1_000_000));
            assertEquals("v", c.call("GET", "slow:key"));
        }
    }

    @Test
    void aMultiKeyCommandWithAFragmentOnASlowServerTimesOutOnce() throws Exception {
        try (Resp c = twd.redis("slowmix"); Resp direct = slow.client()) {
            String quick = null;
            String sluggish = null;
            for (int i = 0; quick == null || sluggish == null; i++) {
                String k = "mix:" + i;
                assertEquals("OK", c.call("SET", k, k));
                if ((Long) direct.call("EXISTS", k) == 1) sluggish = sluggish == null ? k : sluggish;
                else quick = quick == null ? k : quick;
            }
            assertEquals("OK", direct.call("CLIENT", "PAUSE", "3000"));
            long start = System.nanoTime();
            c.sendRaw(concat(Resp.encode("MGET", quick, sluggish, quick), Resp.encode("GET", quick)));
            assertEquals(err("ERR Connection timed out"), c.read(), "one error for the whole MGET");
            assertEquals(quick, c.read(), "the next request is answered");
            assertTrue((System.nanoTime() - start) / 1_000_000 < 2800, "the timeout came before redis answered");
            Thread.sleep(Math.max(0, 3100 - (System.nanoTime() - start) / 1_000_000));
            assertEquals(List.of(quick, sluggish), c.call("MGET", quick, sluggish));
        }
    }

    @Test
    void aMultiKeyCommandWithAFragmentOnADeadServerFailsOnce() {
        try (Resp c = twd.redis("mixed")) {
            String live = null;
            String dead = null;
            for (int i = 0; (live == null || dead == null) && i < 100; i++) {
                Object reply = c.call("SET", "frag:" + i, "v" + i);
                if ("OK".equals(reply)) live = live == null ? "frag:" + i : live;
                else if (err("ERR Connection refused").equals(reply)) dead = dead == null ? "frag:" + i : dead;
                else throw new AssertionError("SET frag:" + i + ": " + reply);
            }
            assertTrue(live != null && dead != null, "md5 over two servers puts keys on both");
            c.sendRaw(concat(Resp.encode("MGET", live, dead, live), Resp.encode("GET", live)));
            assertEquals(err("ERR Connection refused"), c.read(), "one error for the whole MGET");
            assertEquals(liveValue(live), c.read(), "the next reply is the GET's");
            assertEquals(err("ERR Connection refused"), c.call("DEL", live, dead));
            assertEquals(err("ERR Connection refused"), c.call("MSET", live, "x", dead, "y"));
            assertEquals(err("ERR Connection refused"), c.call("EXISTS", dead, live));
            // twd keeps the client connection (twemproxy closes it after a failed MGET).
            assertFalse(c.isClosedByPeer(Duration.ofMillis(100)));
            Object after = c.call("MGET", live);
            assertTrue(after instanceof List<?> l && l.size() == 1, "MGET of a live key afterwards: " + after);
        }
    }

    /**
     * A backend that dies with a request on it: the request fails with DESIGN.md's
     * "Connection reset by peer" (nutcracker 0.5.0 answers "-ERR unknown" here, errno being 0
     * on its EOF path), the client connection stays, and the next request reconnects.
     */
    @Test
    void aBackendThatDiesWithARequestInFlight() throws Exception {
        try (RedisServer fragile = RedisServer.start();
             TwdProcess own = TwdProcess.start("fragile:\n  listen: 127.0.0.1:" + FreePorts.allocate()
                     + "\n  redis: true\n  servers:\n   - " + fragile.serverLine(1, "glass") + "\n");
             Resp c = own.redis("fragile")) {
            assertEquals("OK", c.call("SET", "k", "v"));
            try (Resp direct = fragile.client()) {
                assertEquals("OK", direct.call("CLIENT", "PAUSE", "5000"));
            }
            c.send("GET", "k");
            // Wait until twd has written the GET to the backend (SET and GET: 2 requests), unanswered.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (own.stats().serverMetric("fragile", "glass", "requests") < 2) {
                assertTrue(System.nanoTime() < deadline, "the GET never reached the backend: " + own.stats().raw());
                Thread.sleep(20);
            }
            Thread.sleep(50);
            fragile.kill();
            assertEquals(err("ERR Connection reset by peer"), c.read());
            assertEquals("PONG", c.call("PING"));
            assertEquals(err("ERR Connection refused"), c.call("GET", "k"), "while it is down");
            fragile.restart();
            assertEquals("OK", c.call("SET", "k", "again"), "a new backend connection once it is back");
            assertEquals("again", c.call("GET", "k"));
            assertTrue(own.leakReports().isEmpty(), own.leakReports().toString());
        }
    }

    @Test
    void repliesKeepRequestOrderWhenAnEarlierServerIsSlow() {
        try (Resp c = twd.redis("main"); Resp d1 = r1.client()) {
            String onR1 = null;
            String onR2 = null;
            for (int i = 0; onR1 == null || onR2 == null; i++) {
                String k = "order:" + i;
                assertEquals("OK", c.call("SET", k, k));
                if ((Long) d1.call("EXISTS", k) == 1) onR1 = onR1 == null ? k : onR1;
                else onR2 = onR2 == null ? k : onR2;
            }
            assertEquals("OK", d1.call("CLIENT", "PAUSE", "400"));
            long start = System.nanoTime();
            List<Object> replies = c.pipeline(List.of(new String[] {"GET", onR1}, new String[] {"GET", onR2},
                    new String[] {"PING"}, new String[] {"GET", onR2}, new String[] {"MGET", onR2, onR1, onR2},
                    new String[] {"GET", onR1}));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(List.of(onR1, onR2, "PONG", onR2, List.of(onR2, onR1, onR2), onR1), replies);
            assertTrue(ms >= 250, "r1 was paused, yet the replies came after " + ms + " ms");
        }
    }

    /**
     * Requests queued while the backend connection is still being opened belong to different
     * clients; one of them leaving must not disturb the others. The connect is held up by a
     * stopped redis whose accept queue is full (the kernel then drops SYNs until there is room).
     */
    @Test
    void aClientThatLeavesBeforeTheBackendConnectsDoesNotHurtOthers() throws Exception {
        try (RedisServer stalled = RedisServer.start("--tcp-backlog", "1")) {
            try (Resp d = stalled.client()) {
                assertEquals("OK", d.call("SET", "b", "for-b"));
            }
            List<java.net.Socket> fillers = new ArrayList<>();
            try (TwdProcess own = TwdProcess.start("stalled:\n  listen: 127.0.0.1:" + FreePorts.allocate()
                    + "\n  redis: true\n  timeout: 15000\n  servers:\n   - " + stalled.serverLine(1, "stalled") + "\n",
                    "--threads", "1")) {
                stalled.process().signal("STOP");
                // Fill the accept queue: once a connect times out, SYNs are being dropped.
                for (int i = 0; i < 64; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(new java.net.InetSocketAddress("127.0.0.1", stalled.port()), 300);
                        fillers.add(s);
                    } catch (java.io.IOException e) {
                        s.close();
                        break;
                    }
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(fillers.size() < 64,
                        "this kernel never stalled a connect to a full accept queue");
                Resp a = own.redis("stalled");
                Resp b = own.redis("stalled");
                a.send("GET", "a");
                b.send("GET", "b");
                Thread.sleep(200);
                a.close(); // leaves with its request still queued
                Thread.sleep(200);
                stalled.process().signal("CONT");
                for (java.net.Socket s : fillers) s.close();
                // The SYN is retransmitted after about 1 s, then 3 s: then both requests are written.
                assertEquals("for-b", b.read(), "the client that stayed gets its own reply");
                assertEquals("for-b", b.call("GET", "b"));
                b.close();
                assertTrue(own.leakReports().isEmpty(), own.leakReports().toString());
            } finally {
                for (java.net.Socket s : fillers) s.close();
                if (stalled.process().isAlive()) stalled.process().signal("CONT");
            }
        }
    }

    /** twd(8): a backend's -OOM is passed through as it is (twemproxy replaces it by -ERR Invalid argument). */
    @Test
    void aBackendOomErrorIsPassedThrough() {
        try (RedisServer full = RedisServer.start("--maxmemory", "1", "--maxmemory-policy", "noeviction");
             TwdProcess own = TwdProcess.start("full:\n  listen: 127.0.0.1:" + FreePorts.allocate()
                     + "\n  redis: true\n  servers:\n   - " + full.serverLine(1, "full") + "\n");
             Resp c = own.redis("full")) {
            Object reply = c.call("SET", "k", "v");
            assertTrue(reply instanceof Resp.Error e && e.kind().equals("OOM"), "SET on a full redis: " + reply);
            assertEquals(null, c.call("GET", "k"), "reads still work, on the same connection");
            reply = c.call("SET", "k", "v");
            assertTrue(reply instanceof Resp.Error e && e.kind().equals("OOM"), "again: " + reply);
        }
    }

    private static String liveValue(String key) {
        return "v" + key.substring("frag:".length());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
