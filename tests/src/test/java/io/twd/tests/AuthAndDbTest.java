package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code redis_auth} and {@code redis_db}: the proxy authenticates its clients itself, sends
 * {@code AUTH} (and {@code SELECT}) first on every backend connection, and swallows those
 * replies. Client-facing replies are compared byte for byte with nutcracker's.
 */
class AuthAndDbTest {
    private static final String PASSWORD = "s3cret";
    private static RedisServer protectedBackend;
    private static RedisServer plainBackend;
    private static TwdProcess twd;
    private static Nutcracker ref;

    @BeforeAll
    static void start() {
        protectedBackend = RedisServer.start("--requirepass", PASSWORD);
        plainBackend = RedisServer.start();
        twd = TwdProcess.start(config());
        ref = Nutcracker.start(config());
    }

    @AfterAll
    static void stop() {
        List<String> leaks = twd.leakReports();
        twd.stop();
        ref.stop();
        protectedBackend.stop();
        plainBackend.stop();
        assertTrue(leaks.isEmpty(), "buffer leaks: " + leaks);
    }

    private static String config() {
        return String.join("\n",
                "secure:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  redis_auth: " + PASSWORD,
                "  servers:",
                "   - " + protectedBackend.serverLine(1, "locked"),
                "both:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  redis_auth: " + PASSWORD,
                "  redis_db: 5",
                "  servers:",
                "   - " + protectedBackend.serverLine(1, "locked"),
                "db3:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  redis_db: 3",
                "  hash: md5",
                "  servers:",
                "   - " + plainBackend.serverLine(1, "plain"),
                "open:",
                "  listen: 127.0.0.1:" + FreePorts.allocate(),
                "  redis: true",
                "  servers:",
                "   - " + plainBackend.serverLine(1, "plain"),
                "");
    }

    private static List<String> run(ProxyProcess p, String pool, List<String[]> commands) {
        List<String> out = new ArrayList<>();
        try (Resp c = p.redis(pool)) {
            for (String[] cmd : commands) {
                out.add(String.join(" ", cmd) + " -> " + new String(c.send(cmd).readRawReply(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static List<String[]> commands(String... lines) {
        List<String[]> l = new ArrayList<>();
        for (String line : lines) l.add(line.split(" "));
        return l;
    }

    @Test
    void clientsMustAuthenticateLikeThroughNutcracker() {
        List<String[]> seq = commands("PING", "GET auth:k", "SET auth:k v", "AUTH wrong", "GET auth:k",
                "AUTH " + PASSWORD, "PING", "SET auth:k v", "GET auth:k", "AUTH wrong", "GET auth:k", "PING",
                "AUTH " + PASSWORD, "GET auth:k", "DEL auth:k");
        List<String> want = run(ref, "secure", seq);
        List<String> got = run(twd, "secure", seq);
        assertEquals(want, got);
        // And the replies are the documented ones.
        assertEquals("PING -> -NOAUTH Authentication required\r\n", got.get(0));
        assertEquals("AUTH wrong -> -ERR invalid password\r\n", got.get(3));
        assertEquals("AUTH " + PASSWORD + " -> +OK\r\n", got.get(5));
        assertEquals("GET auth:k -> $1\r\nv\r\n", got.get(8));
        assertEquals("GET auth:k -> -NOAUTH Authentication required\r\n", got.get(10), "a wrong AUTH drops the authentication");
    }

    @Test
    void theBackendGetsTheAuthPreamble() {
        try (Resp c = twd.redis("secure")) {
            assertEquals("OK", c.call("AUTH", PASSWORD));
            assertEquals("OK", c.call("SET", "preamble:k", "through-twd"));
        }
        try (Resp direct = protectedBackend.client()) {
            assertEquals("OK", direct.call("AUTH", PASSWORD));
            assertEquals("through-twd", direct.call("GET", "preamble:k"));
            assertEquals(1L, direct.call("DEL", "preamble:k"));
        }
    }

    @Test
    void authWithoutRedisAuthIsAnError() {
        List<String[]> seq = commands("AUTH whatever", "PING", "SET open:k 1", "GET open:k", "DEL open:k");
        List<String> got = run(twd, "open", seq);
        assertEquals(run(ref, "open", seq), got);
        assertEquals("AUTH whatever -> -ERR Client sent AUTH, but no password is set\r\n", got.get(0));
        assertEquals("PING -> +PONG\r\n", got.get(1));
    }

    @Test
    void redisDbPutsKeysInThatDatabase() {
        try (Resp c = twd.redis("db3")) {
            for (int i = 0; i < 10; i++) assertEquals("OK", c.call("SET", "db:k" + i, "v" + i));
            assertEquals("v7", c.call("GET", "db:k7"));
        }
        try (Resp direct = plainBackend.client()) {
            assertNull(direct.call("GET", "db:k7"), "not in database 0");
            assertEquals("OK", direct.call("SELECT", "3"));
            for (int i = 0; i < 10; i++) assertEquals("v" + i, direct.call("GET", "db:k" + i));
            assertEquals(10L, direct.call("DBSIZE"));
            assertEquals("OK", direct.call("FLUSHDB"));
        }
    }

    @Test
    void authAndDbTogether() {
        try (Resp c = twd.redis("both")) {
            assertEquals("OK", c.call("AUTH", PASSWORD));
            assertEquals("OK", c.call("SET", "both:k", "in-5"));
            assertEquals("in-5", c.call("GET", "both:k"));
        }
        try (Resp direct = protectedBackend.client()) {
            assertEquals("OK", direct.call("AUTH", PASSWORD));
            assertNull(direct.call("GET", "both:k"));
            assertEquals("OK", direct.call("SELECT", "5"));
            assertEquals("in-5", direct.call("GET", "both:k"));
            assertEquals(1L, direct.call("DEL", "both:k"));
        }
    }
}
