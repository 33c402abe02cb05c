package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.protocol.admin.AdminResponse;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each limit of twd(8) "LIMITS": configurable by a flag, enforced with a clear error (or, for
 * pending requests, by backpressure), and harmless to the other clients. client_connections for
 * redis pools is in ServerOptionsTest; the output limit in SlowReaderTest.
 */
class LimitsTest {
    private static RedisServer redis;
    private static Memcached memcached;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        memcached = Memcached.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
        memcached.close();
    }

    private static String yaml(String... extraRedisLines) {
        return yaml(0, extraRedisLines);
    }

    /** Pool alpha (redis) and beta (memcached, with {@code client_connections} when not 0). */
    private static String yaml(int memcacheClientConnections, String... extraRedisLines) {
        List<String> lines = new ArrayList<>(List.of(
            "alpha:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  redis: true"));
        for (String l : extraRedisLines) {
            lines.add("  " + l);
        }
        lines.addAll(List.of(
            "  servers:",
            "   - " + redis.serverLine(1, "r1"),
            "beta:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  client_connections: " + memcacheClientConnections,
            "  servers:",
            "   - " + memcached.serverLine(1, "m1"),
            ""));
        return String.join("\n", lines);
    }

    @Test
    void maxRequestSizeIsAProtocolErrorForRedisAndMemcached() {
        try (LiveTwd twd = LiveTwd.start(yaml(), "--max-request-size", "64k");
             Resp ok = twd.redis("alpha");
             Resp big = twd.redis("alpha")) {
            assertEquals("OK", ok.call("SET", "k", "v".repeat(60_000)));
            big.send("SET", "k", "v".repeat(70_000));
            assertEquals(new Resp.Error("ERR Protocol error: request is larger than 65536 bytes"), big.read());
            assertTrue(big.isClosedByPeer(Duration.ofSeconds(5)));
            assertEquals("v".repeat(60_000), ok.call("GET", "k"), "the other client is unaffected");

            try (Memc m = twd.memcache("beta")) {
                m.sendRaw(("set k 0 0 70000\r\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("SERVER_ERROR object too large for cache", m.readLine());
                assertTrue(m.isClosedByPeer(Duration.ofSeconds(5)));
            }
            // client_connections is 1: the closed connection frees its slot when twd has
            // processed the close, which can be a moment after this client saw the FIN.
            String stored = null;
            for (int attempt = 0; attempt < 100 && !"STORED".equals(stored); attempt++) {
                if (attempt > 0) {
                    sleep(50);
                }
                try (Memc m = twd.memcache("beta")) {
                    stored = m.set("k", "v".repeat(60_000));
                }
            }
            assertEquals("STORED", stored);
        }
    }

    @Test
    void maxMultibulkLengthIsAProtocolError() {
        try (LiveTwd twd = LiveTwd.start(yaml(), "--max-multibulk-length", "16");
             Resp c = twd.redis("alpha")) {
            String[] fifteenKeys = new String[16];
            String[] sixteenKeys = new String[17];
            fifteenKeys[0] = sixteenKeys[0] = "MGET";
            for (int i = 1; i < 17; i++) {
                sixteenKeys[i] = "k" + i;
                if (i < 16) {
                    fifteenKeys[i] = "k" + i;
                }
            }
            assertEquals(15, ((List<?>) c.call(fifteenKeys)).size());
            c.send(sixteenKeys);
            assertEquals(new Resp.Error("ERR Protocol error: invalid multibulk length: more than 16 arguments"), c.read());
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
    }

    /**
     * With --client-max-pending 4 and the backend frozen (SIGSTOP), a client pipelines 100
     * requests: twd forwards 4 and stops reading it (no error). Once the backend runs again,
     * every reply arrives, in order.
     */
    @Test
    void pendingRequestsAreLimitedByBackpressureNotErrors() throws Exception {
        try (LiveTwd twd = LiveTwd.start(yaml(), "--client-max-pending", "4");
             Resp c = twd.redis("alpha");
             Memc m = twd.memcache("beta")) {
            for (int i = 0; i < 100; i++) {
                assertEquals("OK", c.call("SET", "p" + i, "v" + i));
                assertEquals("STORED", m.set("p" + i, "v" + i));
            }
            ByteArrayOutputStream redisBatch = new ByteArrayOutputStream();
            StringBuilder memcacheBatch = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                redisBatch.writeBytes(Resp.encode("GET", "p" + i));
                memcacheBatch.append("get p").append(i).append("\r\n");
            }
            redis.process().signal("STOP");
            memcached.process().signal("STOP");
            try {
                c.sendRaw(redisBatch.toByteArray());
                m.sendRaw(memcacheBatch.toString().getBytes(StandardCharsets.US_ASCII));
                LiveTwd.sleep(500);
                assertEquals(4, twd.stats().serverMetric("alpha", "r1", "out_queue"), "forwarded to redis");
                assertEquals(4, twd.stats().serverMetric("beta", "m1", "out_queue"), "forwarded to memcached");
            } finally {
                redis.process().signal("CONT");
                memcached.process().signal("CONT");
            }
            for (int i = 0; i < 100; i++) {
                assertEquals("v" + i, c.read(), "reply " + i);
                assertEquals("VALUE p" + i + " 0 " + ("v" + i).length(), m.readLine());
                assertEquals("v" + i, m.readLine());
                assertEquals("END", m.readLine());
            }
            assertEquals(0, twd.stats().poolMetric("alpha", "client_err"));
        }
    }

    @Test
    void clientConnectionsIsEnforcedForMemcachePools() {
        try (LiveTwd twd = LiveTwd.start(yaml(1));
             Memc first = twd.memcache("beta")) {
            assertEquals("STORED", first.set("c", "1"));
            try (Memc second = twd.memcache("beta")) {
                assertEquals("SERVER_ERROR max number of clients reached", second.readLine());
                assertTrue(second.isClosedByPeer(Duration.ofSeconds(5)));
            }
            assertEquals("1", first.get("c").get("c"));
        }
    }

    @Test
    void adminLineLengthAndEncodingAreCheckedAndTheConnectionGoesOn() {
        try (LiveTwd twd = LiveTwd.start(yaml(), "--admin-max-line", "1024");
             LiveTwd.Admin a = LiveTwd.Admin.connect(twd.adminSocket())) {
            AdminResponse tooLong = a.call("pool show " + "x".repeat(2000));
            assertEquals(AdminResponse.err("line too long (limit 1024 bytes)"), tooLong);
            assertEquals(AdminResponse.ok("pong"), a.call("ping"));
            a.sendRaw(new byte[] {'p', 'o', 'o', 'l', ' ', 's', 'h', 'o', 'w', ' ', (byte) 0xc3, (byte) 0x28, '\n'});
            assertEquals(AdminResponse.err("line is not valid UTF-8"), a.read());
            assertEquals(AdminResponse.ok("pong"), a.call("ping"));
        }
    }

    /** Every flag of {@code twd -h} is in twd(8), and every limit flag in its LIMITS section. */
    @Test
    void everyFlagIsDocumented() throws Exception {
        ManagedProcess.Result help = TwdProcess.run("-h");
        String page = Files.readString(Path.of(System.getProperty("twd.root", "..")).resolve("man/twd.8"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("--[a-z][a-z-]+").matcher(help.output());
        int flags = 0;
        while (m.find()) {
            assertTrue(page.contains(m.group().replace("-", "\\-")), m.group() + " is not in man/twd.8");
            flags++;
        }
        assertTrue(flags > 15, help.output());
        String limits = page.substring(page.indexOf(".SH LIMITS"), page.indexOf(".SH DIFFERENCES"));
        for (String flag : List.of("--max-request-size", "--max-multibulk-length", "--client-max-pending",
                "--client-output-limit", "--admin-max-line")) {
            assertTrue(limits.contains(flag.replace("-", "\\-")), flag + " in LIMITS");
        }
    }

    @Test
    void badLimitFlagsAreUsageErrors() throws Exception {
        Path conf = Files.createTempFile(ManagedProcess.logDir(), "limits-", ".yml");
        Files.writeString(conf, yaml());
        String[][] cases = {
            {"--client-max-pending", "0", "option --client-max-pending requires a positive number"},
            {"--max-request-size", "1k", "option --max-request-size requires a size between 2k and 2g"},
            {"--max-multibulk-length", "0", "option --max-multibulk-length requires a positive number"},
            {"--client-output-limit", "lots", "'lots' is not a size"},
            {"--admin-max-line", "100", "option --admin-max-line requires a size between 256 and 65536"},
            {"--admin-group", "no-such-group-here", "no group named 'no-such-group-here' in /etc/group"},
            {"--threads", "0", "option --threads requires a number between 1 and 1024, not '0'"},
            {"--threads", "100000", "option --threads requires a number between 1 and 1024, not '100000'"},
        };
        for (String[] c : cases) {
            ManagedProcess.Result r = TwdProcess.run("-c", conf.toString(), c[0], c[1]);
            assertEquals(2, r.exitCode(), String.join(" ", c) + ": " + r.output());
            assertTrue(r.output().contains(c[2]), String.join(" ", c) + ": " + r.output());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
