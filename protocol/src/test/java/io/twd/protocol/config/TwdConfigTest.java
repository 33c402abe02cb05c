package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TwdConfigTest {
    private static PoolConfig pool(String name, String listen) {
        return new PoolConfig.Builder(name).set("listen", listen).addServer(ServerSpec.parse("127.0.0.1:6379:1")).build();
    }

    private static String rejection(List<PoolConfig> pools) {
        return assertThrows(IllegalArgumentException.class, () -> TwdConfig.of(pools)).getMessage();
    }

    @Test
    void poolsAreSortedByName() {
        TwdConfig c = TwdConfig.of(List.of(pool("gamma", "h:3"), pool("alpha", "h:1"), pool("beta", "h:2"),
                pool("delta", "h:4")));
        assertEquals(List.of("beta", "alpha", "delta", "gamma"), c.pools().stream().map(PoolConfig::name).toList());
    }

    @Test
    void lookUpByName() {
        TwdConfig c = TwdConfig.of(List.of(pool("alpha", "h:1")));
        assertEquals("h:1", c.pool("alpha").orElseThrow().listen().text());
        assertTrue(c.pool("beta").isEmpty());
    }

    @Test
    void atLeastOnePool() {
        assertEquals("no pools are configured", rejection(List.of()));
    }

    @Test
    void uniqueNames() {
        assertEquals("duplicate pool 'a'", rejection(List.of(pool("a", "h:1"), pool("a", "h:2"))));
    }

    @Test
    void uniqueListenAddresses() {
        assertEquals("pools 'a' and 'b' listen on the same address '127.0.0.1:22121'",
                rejection(List.of(pool("a", "127.0.0.1:22121"), pool("b", "127.0.0.1:22121"))));
        // Stricter than nutcracker's textual check: these would fail at bind time anyway.
        assertEquals("pools 'a' and 'b' listen on the same address '/tmp/s 0600'",
                rejection(List.of(pool("a", "/tmp/s"), pool("b", "/tmp/s 0600"))));
        assertEquals("pools 'b' and 'a' listen on the same address '::1:1'",
                rejection(List.of(pool("b", "[::1]:1"), pool("a", "::1:1"))));
        // Without resolving, different host names are different addresses.
        assertEquals(2, TwdConfig.of(List.of(pool("a", "127.0.0.1:1"), pool("b", "localhost:1"))).pools().size());
    }

    @Test
    void withPoolAddsOrReplaces() {
        TwdConfig c = TwdConfig.of(List.of(pool("alpha", "h:1")));
        TwdConfig added = c.withPool(pool("beta", "h:2"));
        assertEquals(List.of("beta", "alpha"), added.pools().stream().map(PoolConfig::name).toList());
        TwdConfig replaced = added.withPool(pool("alpha", "h:3"));
        assertEquals("h:3", replaced.pool("alpha").orElseThrow().listen().text());
        assertEquals(2, replaced.pools().size());
        assertEquals(1, c.pools().size());
        assertEquals("pools 'beta' and 'gamma' listen on the same address 'h:2'",
                assertThrows(IllegalArgumentException.class, () -> added.withPool(pool("gamma", "h:2"))).getMessage());
    }

    @Test
    void withoutPool() {
        TwdConfig c = TwdConfig.of(List.of(pool("alpha", "h:1"), pool("beta", "h:2")));
        assertEquals(List.of("alpha"), c.withoutPool("beta").pools().stream().map(PoolConfig::name).toList());
        assertEquals("no pool 'gamma'",
                assertThrows(IllegalArgumentException.class, () -> c.withoutPool("gamma")).getMessage());
        assertEquals("no pools are configured", assertThrows(IllegalArgumentException.class,
                () -> c.withoutPool("beta").withoutPool("alpha")).getMessage());
    }

    @Test
    void valueSemantics() {
        TwdConfig a = TwdConfig.of(List.of(pool("alpha", "h:1"), pool("beta", "h:2")));
        TwdConfig b = TwdConfig.of(List.of(pool("beta", "h:2"), pool("alpha", "h:1")));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, a.withPool(pool("alpha", "h:3")));
    }
}
