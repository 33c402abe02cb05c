package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigWriterTest {
    private static TwdConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "test");
    }

    private static void assertRoundTrip(TwdConfig config) throws ConfigException {
        String yaml = ConfigWriter.toYaml(config);
        assertEquals(config, ConfigLoader.parse(yaml, "written"), yaml);
    }

    @Test
    void writesNutcrackerStyle() throws Exception {
        TwdConfig c = parse("""
                beta:
                  servers:
                   - 127.0.0.1:6381:1 server2
                   - 127.0.0.1:6380:1 server1
                  timeout: 400
                  hash_tag: "{}"
                  listen: 127.0.0.1:22122
                  backlog: 512
                  redis: true
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:11211:1
                """);
        assertEquals("""
                beta:
                  listen: 127.0.0.1:22122
                  hash: fnv1a_64
                  hash_tag: "{}"
                  distribution: ketama
                  timeout: 400
                  redis: true
                  servers:
                   - 127.0.0.1:6380:1 server1
                   - 127.0.0.1:6381:1 server2

                alpha:
                  listen: 127.0.0.1:22121
                  hash: fnv1a_64
                  distribution: ketama
                  redis: false
                  servers:
                   - 127.0.0.1:11211:1
                """, ConfigWriter.toYaml(c));
    }

    @Test
    void everyNonDefaultKeyIsWritten() throws Exception {
        TwdConfig c = parse("""
                alpha:
                  listen: /tmp/alpha.sock 0660
                  hash: murmur
                  hash_tag: $$
                  distribution: random
                  timeout: 0
                  backlog: 10
                  client_connections: 100
                  redis: true
                  tcpkeepalive: true
                  reuseport: true
                  redis_auth: pw
                  redis_db: 3
                  preconnect: true
                  auto_eject_hosts: true
                  server_connections: 2
                  server_retry_timeout: 2000
                  server_failure_limit: 5
                  servers:
                   - /tmp/r.sock:1
                """);
        String yaml = ConfigWriter.toYaml(c);
        for (String key : PoolConfig.keys()) {
            assertEquals(1, yaml.lines().filter(l -> l.startsWith("  " + key + ":")).count(), key + " in\n" + yaml);
        }
        assertRoundTrip(c);
    }

    @Test
    void valuesThatNeedQuotesGetThem() throws Exception {
        TwdConfig c = parse("""
                "pool: one":
                  listen: "::1:22121"
                  hash_tag: "{}"
                  redis: true
                  redis_auth: "p@ss: w#rd \\"quoted\\" \\\\ back\\ttab\\u00e9 -x"
                  servers:
                   - "[::1]:6379:1"
                   - ::2:6379:1 #not-a-name
                   - "h:1:1 #name"
                "- dash":
                  listen: '[::1]:22122'
                  servers:
                   - h:1:1 ok
                """);
        assertEquals("p@ss: w#rd \"quoted\" \\ back\ttabé -x", c.pool("pool: one").orElseThrow().redisAuth());
        assertEquals(List.of("#name", "::2:6379", "[::1]:6379"),
                c.pool("pool: one").orElseThrow().servers().stream().map(ServerSpec::name).toList());
        assertRoundTrip(c);
    }

    @Test
    void controlCharactersAreEscaped() throws Exception {
        PoolConfig p = new PoolConfig.Builder("alpha").set("listen", "h:1").set("redis", "true")
                .set("redis_auth", "a\nb\u0000c\u2028").addServer(ServerSpec.parse("h:1:1")).build();
        TwdConfig c = TwdConfig.of(List.of(p));
        assertRoundTrip(c);
    }

    @Test
    void theSampleRoundTrips() throws Exception {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path sample = dir.resolve("conf/nutcracker.yml");
            if (Files.isRegularFile(sample)) {
                assertRoundTrip(ConfigLoader.load(sample));
                return;
            }
        }
        throw new AssertionError("conf/nutcracker.yml not found");
    }

    @Test
    void unixListenAndServersRoundTrip() throws Exception {
        assertRoundTrip(parse("""
                omega:
                  listen: /tmp/gamma
                  servers:
                   - /tmp/a.sock:1
                   - /tmp/b.sock:2 b
                   - 127.0.0.1:06379:1
                """));
    }
}
