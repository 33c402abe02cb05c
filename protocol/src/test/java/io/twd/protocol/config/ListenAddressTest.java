package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ListenAddressTest {
    private static String rejection(String text) {
        return assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(text)).getMessage();
    }

    @Test
    void hostAndPort() {
        ListenAddress a = ListenAddress.parse("127.0.0.1:22121");
        assertFalse(a.isUnix());
        assertEquals("127.0.0.1", a.host());
        assertEquals(22121, a.port());
        assertNull(a.path());
        assertEquals(-1, a.permissions());
        assertEquals("127.0.0.1:22121", a.text());
        assertEquals("127.0.0.1:22121", a.toString());
    }

    @Test
    void hostNamesAreNotResolvedWhileParsing() {
        ListenAddress a = ListenAddress.parse("no-such-host.invalid:1");
        assertEquals("no-such-host.invalid", a.host());
        assertEquals(1, a.port());
    }

    @Test
    void ipv6SplitsAtTheLastColon() {
        ListenAddress a = ListenAddress.parse("::1:40000");
        assertEquals("::1", a.host());
        assertEquals(40000, a.port());
    }

    @Test
    void ipv6InBrackets() {
        ListenAddress a = ListenAddress.parse("[::1]:40000");
        assertEquals("::1", a.host());
        assertEquals(40000, a.port());
        assertEquals("[::1]:40000", a.text());
    }

    @Test
    void portRange() {
        assertEquals(1, ListenAddress.parse("h:1").port());
        assertEquals(65535, ListenAddress.parse("h:65535").port());
        assertEquals(22121, ListenAddress.parse("h:022121").port());
        assertEquals("listen address \"h:0\" has an invalid port \"0\" (must be 1..65535)", rejection("h:0"));
        assertEquals("listen address \"h:65536\" has an invalid port \"65536\" (must be 1..65535)", rejection("h:65536"));
        assertEquals("listen address \"h:-1\" has an invalid port \"-1\" (must be 1..65535)", rejection("h:-1"));
        assertEquals("listen address \"h:\" has an invalid port \"\" (must be 1..65535)", rejection("h:"));
        assertEquals("listen address \"h:x\" has an invalid port \"x\" (must be 1..65535)", rejection("h:x"));
    }

    @Test
    void malformedHostPort() {
        assertEquals("listen address \"localhost\" is not \"host:port\" or \"/path/to/socket [permissions]\"",
                rejection("localhost"));
        assertEquals("listen address \":22121\" has an empty host (use 0.0.0.0 or :: for all addresses)",
                rejection(":22121"));
        assertEquals("listen address \"[]:22121\" has an empty host (use 0.0.0.0 or :: for all addresses)",
                rejection("[]:22121"));
        assertEquals("listen address \"my host:1\" has a blank in its host", rejection("my host:1"));
        assertEquals("listen address is empty", rejection(""));
    }

    @Test
    void unixSocket() {
        ListenAddress a = ListenAddress.parse("/tmp/x.sock");
        assertTrue(a.isUnix());
        assertEquals("/tmp/x.sock", a.path());
        assertNull(a.host());
        assertEquals(0, a.port());
        assertEquals(-1, a.permissions());
    }

    @Test
    void unixSocketWithPermissions() {
        ListenAddress a = ListenAddress.parse("/tmp/x.sock 0666");
        assertEquals("/tmp/x.sock", a.path());
        assertEquals(0666, a.permissions());
        assertEquals("/tmp/x.sock 0666", a.text());
        assertEquals(0777, ListenAddress.parse("/tmp/x.sock 777").permissions());
        assertEquals(0, ListenAddress.parse("/tmp/x.sock 0").permissions());
    }

    @Test
    void badPermissions() {
        assertEquals("listen address \"/tmp/x.sock 0999\" has invalid permissions \"0999\" (octal, at most 0777)",
                rejection("/tmp/x.sock 0999"));
        assertEquals("listen address \"/tmp/x.sock 1777\" has invalid permissions \"1777\" (octal, at most 0777)",
                rejection("/tmp/x.sock 1777"));
        assertEquals("listen address \"/tmp/x.sock rw\" has invalid permissions \"rw\" (octal, at most 0777)",
                rejection("/tmp/x.sock rw"));
        assertEquals("listen address \"/tmp/x.sock \" has invalid permissions \"\" (octal, at most 0777)",
                rejection("/tmp/x.sock "));
        assertEquals("listen address \"/tmp/my dir/x.sock\" has invalid permissions \"dir/x.sock\" (octal, at most 0777)",
                rejection("/tmp/my dir/x.sock"));
        assertEquals("listen address \"/tmp/x.sock  0600\" has a blank in its socket path; the permissions come after one space",
                rejection("/tmp/x.sock  0600"));
    }

    @Test
    void unixPathFitsInSunPath() {
        String longest = "/" + "a".repeat(106);
        assertEquals(longest, ListenAddress.parse(longest).path());
        assertEquals("listen address \"" + longest + "a\" has a socket path longer than 107 bytes",
                rejection(longest + "a"));
    }

    @Test
    void equalityIsOnTheText() {
        assertEquals(ListenAddress.parse("h:1"), ListenAddress.parse("h:1"));
        assertEquals(ListenAddress.parse("h:1").hashCode(), ListenAddress.parse("h:1").hashCode());
        assertNotEquals(ListenAddress.parse("[::1]:1"), ListenAddress.parse("::1:1"));
        assertNotEquals(ListenAddress.parse("/tmp/s 0600"), ListenAddress.parse("/tmp/s"));
    }

    @Test
    void sameEndpointLooksThroughSpelling() {
        assertTrue(ListenAddress.parse("[::1]:1").sameEndpoint(ListenAddress.parse("::1:1")));
        assertTrue(ListenAddress.parse("LOCALHOST:1").sameEndpoint(ListenAddress.parse("localhost:01")));
        assertTrue(ListenAddress.parse("/tmp/s 0600").sameEndpoint(ListenAddress.parse("/tmp/s")));
        assertFalse(ListenAddress.parse("localhost:1").sameEndpoint(ListenAddress.parse("localhost:2")));
        assertFalse(ListenAddress.parse("/tmp/s").sameEndpoint(ListenAddress.parse("/tmp/t")));
    }

    @Test
    void resolveIsSeparate() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 22121),
                ListenAddress.parse("127.0.0.1:22121").resolve());
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 40000),
                ListenAddress.parse("[::1]:40000").resolve());
        assertThrows(IllegalStateException.class, () -> ListenAddress.parse("/tmp/x.sock").resolve());
    }
}
