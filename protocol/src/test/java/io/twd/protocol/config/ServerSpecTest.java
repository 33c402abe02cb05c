package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServerSpecTest {
    private static String rejection(String line) {
        return assertThrows(IllegalArgumentException.class, () -> ServerSpec.parse(line)).getMessage();
    }

    @Test
    void hostPortWeight() {
        ServerSpec s = ServerSpec.parse("127.0.0.1:6379:1");
        assertFalse(s.isUnix());
        assertEquals("127.0.0.1", s.host());
        assertEquals(6379, s.port());
        assertNull(s.path());
        assertEquals(1, s.weight());
        assertEquals("127.0.0.1:6379", s.name());
        assertFalse(s.hasExplicitName());
        assertEquals("127.0.0.1:6379:1", s.text());
        assertEquals("127.0.0.1:6379:1", s.toString());
    }

    @Test
    void explicitName() {
        ServerSpec s = ServerSpec.parse("127.0.0.1:6380:2 server1");
        assertEquals("server1", s.name());
        assertTrue(s.hasExplicitName());
        assertEquals(2, s.weight());
        assertEquals("127.0.0.1:6380:2 server1", s.text());
    }

    @Test
    void port11211IsLeftOutOfTheDefaultName() {
        assertEquals("10.0.0.1", ServerSpec.parse("10.0.0.1:11211:1").name());
        assertEquals("cache-1", ServerSpec.parse("cache-1:11211:5").name());
        assertEquals("10.0.0.1:11212", ServerSpec.parse("10.0.0.1:11212:1").name());
    }

    @Test
    void defaultNameKeepsThePortAsWritten() {
        // nutcracker names it "127.0.0.1:06379" (observed in its stats); ketama hashes that text.
        ServerSpec s = ServerSpec.parse("127.0.0.1:06379:01");
        assertEquals(6379, s.port());
        assertEquals("127.0.0.1:06379", s.name());
        assertEquals("127.0.0.1:06379:1", s.text());
        assertEquals("10.0.0.1", ServerSpec.parse("10.0.0.1:011211:1").name());
    }

    @Test
    void ipv6WithoutBrackets() {
        ServerSpec s = ServerSpec.parse("::1:6379:1");
        assertEquals("::1", s.host());
        assertEquals(6379, s.port());
        assertEquals("::1:6379", s.name());
        ServerSpec full = ServerSpec.parse("2001:db8::7:11211:3 mc");
        assertEquals("2001:db8::7", full.host());
        assertEquals(11211, full.port());
        assertEquals(3, full.weight());
        assertEquals("mc", full.name());
    }

    @Test
    void ipv6InBrackets() {
        ServerSpec s = ServerSpec.parse("[::1]:6379:1");
        assertEquals("::1", s.host());
        assertEquals("[::1]:6379", s.name());
        assertEquals("[::1]:6379:1", s.text());
        assertEquals("[::1]", ServerSpec.parse("[::1]:11211:1").name());
    }

    @Test
    void unixSocket() {
        ServerSpec s = ServerSpec.parse("/tmp/redis.sock:1");
        assertTrue(s.isUnix());
        assertEquals("/tmp/redis.sock", s.path());
        assertNull(s.host());
        assertEquals(0, s.port());
        assertEquals(1, s.weight());
        // nutcracker names it "/tmp/redis.sock:" (observed in its stats).
        assertEquals("/tmp/redis.sock:", s.name());
        assertEquals("/tmp/redis.sock:1", s.text());
        ServerSpec named = ServerSpec.parse("/tmp/redis.sock:3 r1");
        assertEquals("r1", named.name());
        assertEquals("/tmp/redis.sock:3 r1", named.text());
    }

    @Test
    void weight() {
        assertEquals(100000, ServerSpec.parse("h:1:100000").weight());
        assertEquals("server \"127.0.0.1:6379:0\" has a zero weight", rejection("127.0.0.1:6379:0"));
        assertEquals("server \"h:1:x\" has an invalid weight \"x\"", rejection("h:1:x"));
        assertEquals("server \"h:1:-1\" has an invalid weight \"-1\"", rejection("h:1:-1"));
        assertEquals("server \"h:1:\" has an invalid weight \"\"", rejection("h:1:"));
        assertEquals("server \"h:1:99999999999\" has an invalid weight \"99999999999\"", rejection("h:1:99999999999"));
        assertEquals("server \"/tmp/r.sock:0\" has a zero weight", rejection("/tmp/r.sock:0"));
    }

    @Test
    void port() {
        assertEquals("server \"h:0:1\" has an invalid port \"0\" (must be 1..65535)", rejection("h:0:1"));
        assertEquals("server \"h:65536:1\" has an invalid port \"65536\" (must be 1..65535)", rejection("h:65536:1"));
        assertEquals("server \"h:p:1\" has an invalid port \"p\" (must be 1..65535)", rejection("h:p:1"));
    }

    @Test
    void missingParts() {
        String format = "is not \"host:port:weight [name]\" or \"/path/to/socket:weight [name]\"";
        // The usual mistake, a missing weight: 6379 is read as the weight and no port is left.
        assertEquals("server \"127.0.0.1:6379\" " + format, rejection("127.0.0.1:6379"));
        assertEquals("server \"localhost:1\" " + format, rejection("localhost:1"));
        assertEquals("server \"localhost\" " + format, rejection("localhost"));
        assertEquals("server \"my host:1:1\" " + format, rejection("my host:1:1"));
        assertEquals("server \"/tmp/a:b.sock:1\" " + format, rejection("/tmp/a:b.sock:1"));
        assertEquals("server \":1:1\" has an empty host", rejection(":1:1"));
        assertEquals("server \"h:1:1 \" has an empty name after the space", rejection("h:1:1 "));
        assertEquals("server \"h:1:1  n\" has an invalid weight \"1 \"", rejection("h:1:1  n"));
        assertEquals("server line is empty", rejection(""));
    }

    @Test
    void unixPathFitsInSunPath() {
        String longest = "/" + "a".repeat(106);
        assertEquals(longest, ServerSpec.parse(longest + ":1").path());
        assertEquals("server \"" + longest + "a:1\" has a socket path longer than 107 bytes",
                rejection(longest + "a:1"));
    }

    @Test
    void textReadsBackEqual() {
        for (String line : new String[] {"h:1:1", "h:1:2 n", "::1:6379:1", "[::1]:6379:1 v6", "/tmp/r.sock:4",
                "/tmp/r.sock:4 r", "127.0.0.1:06379:1"}) {
            ServerSpec s = ServerSpec.parse(line);
            assertEquals(s, ServerSpec.parse(s.text()), line);
        }
    }

    @Test
    void equality() {
        assertEquals(ServerSpec.parse("h:1:1"), ServerSpec.parse("h:1:01"));
        assertEquals(ServerSpec.parse("h:1:1").hashCode(), ServerSpec.parse("h:1:01").hashCode());
        assertNotEquals(ServerSpec.parse("h:1:1"), ServerSpec.parse("h:1:2"));
        assertNotEquals(ServerSpec.parse("h:1:1"), ServerSpec.parse("h:1:1 h:1"));
        assertNotEquals(ServerSpec.parse("h:1:1 a"), ServerSpec.parse("h:1:1 b"));
    }
}
