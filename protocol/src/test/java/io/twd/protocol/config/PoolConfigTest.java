package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoolConfigTest {
    private static PoolConfig.Builder minimal() {
        return new PoolConfig.Builder("alpha")
                .set("listen", "127.0.0.1:22121")
                .addServer(ServerSpec.parse("127.0.0.1:6379:1"));
    }

    private static PoolConfig with(String key, String value) {
        return minimal().set(key, value).build();
    }

    private static String setRejection(String key, String value) {
        return assertThrows(IllegalArgumentException.class, () -> minimal().set(key, value)).getMessage();
    }

    @Test
    void defaults() {
        PoolConfig p = minimal().build();
        assertEquals("alpha", p.name());
        assertEquals(ListenAddress.parse("127.0.0.1:22121"), p.listen());
        assertEquals(HashType.FNV1A_64, p.hash());
        assertNull(p.hashTag());
        assertEquals(Distribution.KETAMA, p.distribution());
        assertEquals(-1, p.timeout());
        assertEquals(512, p.backlog());
        assertEquals(0, p.clientConnections());
        assertFalse(p.redis());
        assertNull(p.redisAuth());
        assertEquals(0, p.redisDb());
        assertFalse(p.preconnect());
        assertFalse(p.autoEjectHosts());
        assertEquals(1, p.serverConnections());
        assertEquals(30000, p.serverRetryTimeout());
        assertEquals(2, p.serverFailureLimit());
        assertFalse(p.tcpkeepalive());
        assertFalse(p.reuseport());
        assertEquals(List.of(ServerSpec.parse("127.0.0.1:6379:1")), p.servers());
    }

    @Test
    void keysInNutcrackerOrder() {
        assertEquals(List.of("listen", "hash", "hash_tag", "distribution", "timeout", "backlog",
                "client_connections", "redis", "tcpkeepalive", "reuseport", "redis_auth", "redis_db", "preconnect",
                "auto_eject_hosts", "server_connections", "server_retry_timeout", "server_failure_limit", "servers"),
                PoolConfig.keys());
    }

    @Test
    void listen() {
        assertEquals("/tmp/x.sock", with("listen", "/tmp/x.sock 0600").listen().path());
        assertEquals("pool 'alpha': listen address \"127.0.0.1\" is not \"host:port\" or \"/path/to/socket [permissions]\"",
                setRejection("listen", "127.0.0.1"));
        assertEquals("pool 'alpha': listen address \"h:99999\" has an invalid port \"99999\" (must be 1..65535)",
                setRejection("listen", "h:99999"));
    }

    @Test
    void everyHashByItsConfigName() {
        for (HashType t : HashType.values()) {
            assertEquals(t, with("hash", t.configName()).hash());
        }
        assertEquals(HashType.ONE_AT_A_TIME, with("hash", "one_at_a_time").hash());
        assertEquals("pool 'alpha': hash 'fnv9' is not a valid hash", setRejection("hash", "fnv9"));
        assertEquals("pool 'alpha': hash 'MD5' is not a valid hash", setRejection("hash", "MD5"));
    }

    @Test
    void hashTag() {
        assertEquals("{}", with("hash_tag", "{}").hashTag());
        assertEquals("$$", with("hash_tag", "$$").hashTag());
        assertEquals("pool 'alpha': \"hash_tag\" must be two characters, like \"{}\", not \"{\"",
                setRejection("hash_tag", "{"));
        assertEquals("pool 'alpha': \"hash_tag\" must be two characters, like \"{}\", not \"{{}\"",
                setRejection("hash_tag", "{{}"));
        // Two characters but four bytes: nutcracker measures bytes.
        assertEquals("pool 'alpha': \"hash_tag\" must be two characters, like \"{}\", not \"«»\"",
                setRejection("hash_tag", "«»"));
    }

    @Test
    void distribution() {
        assertEquals(Distribution.MODULA, with("distribution", "modula").distribution());
        assertEquals(Distribution.RANDOM, with("distribution", "random").distribution());
        assertEquals(Distribution.KETAMA, with("distribution", "ketama").distribution());
        assertEquals("pool 'alpha': distribution 'consistent' is not a valid distribution",
                setRejection("distribution", "consistent"));
    }

    @Test
    void numbers() {
        assertEquals(400, with("timeout", "400").timeout());
        assertEquals(0, with("timeout", "0").timeout());
        assertEquals(1024, with("backlog", "1024").backlog());
        assertEquals(0, with("backlog", "0").backlog());
        assertEquals(100, with("client_connections", "100").clientConnections());
        assertEquals(15, with("redis_db", "15").redisDb());
        assertEquals(2000, with("server_retry_timeout", "2000").serverRetryTimeout());
        assertEquals(0, with("server_failure_limit", "0").serverFailureLimit());
        assertEquals(8, with("server_connections", "8").serverConnections());
        assertEquals(400, with("timeout", "0400").timeout());
        assertEquals(Integer.MAX_VALUE, with("timeout", "2147483647").timeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"timeout", "backlog", "client_connections", "redis_db", "server_connections",
            "server_retry_timeout", "server_failure_limit"})
    void numbersAreDigitsOnly(String key) {
        for (String bad : new String[] {"-1", "+1", "1s", "1.5", "0x10", " 1", "ten"}) {
            assertEquals("pool 'alpha': \"" + key + "\" is not a number: \"" + bad + "\"", setRejection(key, bad));
        }
        assertEquals("pool 'alpha': \"" + key + "\" is too large: \"2147483648\" (at most 2147483647)",
                setRejection(key, "2147483648"));
        assertEquals("pool 'alpha': \"" + key + "\" is empty", setRejection(key, ""));
    }

    @Test
    void serverConnectionsCannotBeZero() {
        assertEquals("pool 'alpha': \"server_connections\" cannot be 0", setRejection("server_connections", "0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "tcpkeepalive", "reuseport", "preconnect", "auto_eject_hosts"})
    void booleansAreExactlyTrueOrFalse(String key) {
        Function<PoolConfig, Boolean> getter = switch (key) {
            case "redis" -> PoolConfig::redis;
            case "tcpkeepalive" -> PoolConfig::tcpkeepalive;
            case "reuseport" -> PoolConfig::reuseport;
            case "preconnect" -> PoolConfig::preconnect;
            default -> PoolConfig::autoEjectHosts;
        };
        assertTrue(getter.apply(with(key, "true")));
        assertFalse(getter.apply(with(key, "false")));
        for (String bad : new String[] {"yes", "no", "True", "FALSE", "on", "1", "0"}) {
            assertEquals("pool 'alpha': \"" + key + "\" must be \"true\" or \"false\", not \"" + bad + "\"",
                    setRejection(key, bad));
        }
    }

    @Test
    void redisAuthNeedsARedisPool() {
        PoolConfig p = minimal().set("redis", "true").set("redis_auth", "s3cret: #1").build();
        assertEquals("s3cret: #1", p.redisAuth());
        // The order of the keys does not matter: the rule is checked by build().
        assertEquals("s3cret", minimal().set("redis_auth", "s3cret").set("redis", "true").build().redisAuth());
        assertEquals("pool 'alpha': \"redis_auth\" is only valid for a redis pool",
                assertThrows(IllegalArgumentException.class,
                        () -> minimal().set("redis_auth", "s3cret").build()).getMessage());
    }

    @Test
    void unknownKeysAndServers() {
        assertEquals("pool 'alpha': directive \"foo\" is unknown", setRejection("foo", "1"));
        assertEquals("pool 'alpha': directive \"sentinels\" is unknown", setRejection("sentinels", "x"));
        assertEquals("pool 'alpha': directive \"Timeout\" is unknown", setRejection("Timeout", "1"));
        assertEquals("pool 'alpha': \"servers\" is a list: add or remove one server at a time",
                setRejection("servers", "h:1:1"));
    }

    @Test
    void emptyValues() {
        for (String key : PoolConfig.keys()) {
            if (!key.equals("servers")) {
                assertEquals("pool 'alpha': \"" + key + "\" is empty", setRejection(key, ""));
            }
        }
    }

    @Test
    void setOverridesAnEarlierValue() {
        assertEquals(7, minimal().set("timeout", "5").set("timeout", "7").build().timeout());
    }

    @Test
    void listenIsRequired() {
        PoolConfig.Builder b = new PoolConfig.Builder("alpha").addServer(ServerSpec.parse("h:1:1"));
        assertEquals("pool 'alpha': directive \"listen\" is missing",
                assertThrows(IllegalArgumentException.class, b::build).getMessage());
    }

    @Test
    void serversAreRequired() {
        PoolConfig.Builder b = new PoolConfig.Builder("alpha").set("listen", "h:1");
        assertEquals("pool 'alpha' has no servers", assertThrows(IllegalArgumentException.class, b::build).getMessage());
    }

    @Test
    void poolNameMustNotBeEmpty() {
        assertEquals("pool name is empty",
                assertThrows(IllegalArgumentException.class, () -> new PoolConfig.Builder("")).getMessage());
    }

    @Test
    void serversAreSortedByName() {
        PoolConfig p = new PoolConfig.Builder("alpha").set("listen", "h:1")
                .addServer(ServerSpec.parse("10.0.0.1:6379:1 server10"))
                .addServer(ServerSpec.parse("10.0.0.2:6379:1 server9"))
                .addServer(ServerSpec.parse("10.0.0.3:6379:1 zeta"))
                .addServer(ServerSpec.parse("10.0.0.4:6379:1 server11"))
                .build();
        assertEquals(List.of("zeta", "server9", "server10", "server11"),
                p.servers().stream().map(ServerSpec::name).toList());
    }

    @Test
    void serverNamesMustBeUnique() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> minimal().addServer(ServerSpec.parse("127.0.0.1:6379:2"))).getMessage();
        assertEquals("pool 'alpha' has servers with the same name '127.0.0.1:6379'", message);
        assertEquals("pool 'alpha' has servers with the same name 'r1'", assertThrows(IllegalArgumentException.class,
                () -> minimal().addServer(ServerSpec.parse("h1:1:1 r1")).addServer(ServerSpec.parse("h2:1:1 r1")))
                .getMessage());
    }

    @Test
    void oneAddressMayServeUnderTwoNames() {
        PoolConfig p = new PoolConfig.Builder("alpha").set("listen", "h:1")
                .addServer(ServerSpec.parse("127.0.0.1:6379:1 a"))
                .addServer(ServerSpec.parse("127.0.0.1:6379:1 b"))
                .build();
        assertEquals(2, p.servers().size());
    }

    @Test
    void removeAndClearServers() {
        PoolConfig.Builder b = minimal().addServer(ServerSpec.parse("h:2:1 two"));
        b.removeServer("127.0.0.1:6379");
        assertEquals(List.of("two"), b.build().servers().stream().map(ServerSpec::name).toList());
        assertEquals("pool 'alpha': no server named 'nope'",
                assertThrows(IllegalArgumentException.class, () -> b.removeServer("nope")).getMessage());
        assertEquals("pool 'alpha' has no servers",
                assertThrows(IllegalArgumentException.class, () -> b.clearServers().build()).getMessage());
    }

    @Test
    void builderFromAPoolCopiesEverything() {
        PoolConfig p = minimal().set("redis", "true").set("redis_auth", "pw").set("hash_tag", "{}")
                .set("timeout", "400").set("reuseport", "true").set("client_connections", "9").build();
        assertEquals(p, new PoolConfig.Builder(p).build());
        PoolConfig changed = new PoolConfig.Builder(p).set("timeout", "500").build();
        assertEquals(500, changed.timeout());
        assertEquals(400, p.timeout());
        assertNotEquals(p, changed);
    }

    @Test
    void attributesShowEffectiveValuesInKeyOrder() {
        PoolConfig p = minimal().set("hash_tag", "{}").set("timeout", "400").build();
        LinkedHashMap<String, String> expected = new LinkedHashMap<>();
        expected.put("listen", "127.0.0.1:22121");
        expected.put("hash", "fnv1a_64");
        expected.put("hash_tag", "{}");
        expected.put("distribution", "ketama");
        expected.put("timeout", "400");
        expected.put("backlog", "512");
        expected.put("client_connections", "0");
        expected.put("redis", "false");
        expected.put("tcpkeepalive", "false");
        expected.put("reuseport", "false");
        expected.put("redis_db", "0");
        expected.put("preconnect", "false");
        expected.put("auto_eject_hosts", "false");
        expected.put("server_connections", "1");
        expected.put("server_retry_timeout", "30000");
        expected.put("server_failure_limit", "2");
        assertEquals(List.copyOf(expected.entrySet()), List.copyOf(p.attributes().entrySet()));
        assertEquals(-1, Integer.parseInt(minimal().build().attributes().get("timeout")));
    }

    @Test
    void attributesSetBackGiveAnEqualPool() {
        PoolConfig p = minimal().set("redis", "true").set("redis_auth", "pw").set("hash", "murmur")
                .set("distribution", "modula").set("server_connections", "3").build();
        PoolConfig.Builder b = new PoolConfig.Builder("alpha").addServer(ServerSpec.parse("127.0.0.1:6379:1"));
        p.attributes().forEach((k, v) -> {
            if (!k.equals("timeout")) { // -1 means "never set"; it is not a value one can write
                b.set(k, v);
            }
        });
        assertEquals(p, b.build());
    }

    @Test
    void valueSemantics() {
        assertEquals(minimal().build(), minimal().build());
        assertEquals(minimal().build().hashCode(), minimal().build().hashCode());
        assertNotEquals(minimal().build(), with("backlog", "511"));
        assertNotEquals(minimal().build(), new PoolConfig.Builder("beta").set("listen", "127.0.0.1:22121")
                .addServer(ServerSpec.parse("127.0.0.1:6379:1")).build());
        assertNotEquals(minimal().build(), minimal().addServer(ServerSpec.parse("h:2:1")).build());
    }

    @Test
    void toStringHidesThePassword() {
        String shown = minimal().set("redis", "true").set("redis_auth", "s3cret").build().toString();
        assertFalse(shown.contains("s3cret"), shown);
        assertTrue(shown.contains("redis_auth=***"), shown);
    }
}
