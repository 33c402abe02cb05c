package io.twd.protocol.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String SOURCE = "conf/x.yml";

    private static TwdConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, SOURCE);
    }

    private static void assertRejected(String expected, String yaml) {
        assertEquals(expected, assertThrows(ConfigException.class, () -> parse(yaml)).getMessage());
    }

    @Test
    void minimalPool() throws Exception {
        TwdConfig c = parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
        PoolConfig p = c.pool("alpha").orElseThrow();
        assertEquals(512, p.backlog());
        assertEquals(List.of(ServerSpec.parse("127.0.0.1:6379:1")), p.servers());
    }

    @Test
    void everyKey() throws Exception {
        PoolConfig p = parse("""
                alpha:
                  listen: /tmp/alpha.sock 0660
                  hash: murmur
                  hash_tag: "{}"
                  distribution: modula
                  timeout: 400
                  backlog: 1024
                  client_connections: 100
                  redis: true
                  tcpkeepalive: true
                  reuseport: true
                  redis_auth: 's3cret: #1'
                  redis_db: 3
                  preconnect: true
                  auto_eject_hosts: true
                  server_connections: 2
                  server_retry_timeout: 2000
                  server_failure_limit: 5
                  servers:
                   - 127.0.0.1:6380:1 server1
                   - 127.0.0.1:6381:2 server2
                """).pool("alpha").orElseThrow();
        assertEquals("/tmp/alpha.sock", p.listen().path());
        assertEquals(0660, p.listen().permissions());
        assertEquals(HashType.MURMUR, p.hash());
        assertEquals("{}", p.hashTag());
        assertEquals(Distribution.MODULA, p.distribution());
        assertEquals(400, p.timeout());
        assertEquals(1024, p.backlog());
        assertEquals(100, p.clientConnections()); // kept: twd enforces it, nutcracker zeroes it
        assertTrue(p.redis());
        assertTrue(p.tcpkeepalive());
        assertTrue(p.reuseport());
        assertEquals("s3cret: #1", p.redisAuth());
        assertEquals(3, p.redisDb());
        assertTrue(p.preconnect());
        assertTrue(p.autoEjectHosts());
        assertEquals(2, p.serverConnections());
        assertEquals(2000, p.serverRetryTimeout());
        assertEquals(5, p.serverFailureLimit());
        assertEquals(List.of("server1", "server2"), p.servers().stream().map(ServerSpec::name).toList());
    }

    @Test
    void quotedNumbersAndBooleansAreFine() throws Exception {
        PoolConfig p = parse("""
                alpha:
                  listen: "127.0.0.1:22121"
                  timeout: "400"
                  redis: 'true'
                  servers:
                   - "127.0.0.1:6379:1"
                """).pool("alpha").orElseThrow();
        assertEquals(400, p.timeout());
        assertTrue(p.redis());
    }

    @Test
    void scalarsAreNotTypedTheYaml11Way() throws Exception {
        // "yes" would be a boolean and 0x10 a number to a YAML 1.1 loader; nutcracker sees text.
        assertRejected("conf/x.yml:3: pool 'alpha': \"preconnect\" must be \"true\" or \"false\", not \"yes\"", """
                alpha:
                  listen: 127.0.0.1:22121
                  preconnect: yes
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"timeout\" is not a number: \"0x10\"", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout: 0x10
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"timeout\" is not a number: \"-1\"", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout: -1
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    @Test
    void commentsAreFine() throws Exception {
        TwdConfig c = parse("""
                # pools
                alpha: # the first
                  listen: 127.0.0.1:22121   # where
                  # servers follow
                  servers:
                   - 127.0.0.1:6379:1 # one
                """);
        assertEquals("127.0.0.1:6379", c.pools().get(0).servers().get(0).name());
    }

    @Test
    void poolsAndServersComeOutInNameOrder() throws Exception {
        TwdConfig c = parse("""
                beta:
                  listen: 127.0.0.1:22122
                  servers:
                   - 127.0.0.1:6381:1
                   - 127.0.0.1:6380:1
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1 server10
                   - 127.0.0.1:6378:1 server9
                gamma:
                  listen: 127.0.0.1:22123
                  servers:
                   - 127.0.0.1:6379:1
                delta:
                  listen: 127.0.0.1:22124
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertEquals(List.of("beta", "alpha", "delta", "gamma"), c.pools().stream().map(PoolConfig::name).toList());
        assertEquals(List.of("127.0.0.1:6380", "127.0.0.1:6381"),
                c.pool("beta").orElseThrow().servers().stream().map(ServerSpec::name).toList());
        assertEquals(List.of("server9", "server10"),
                c.pool("alpha").orElseThrow().servers().stream().map(ServerSpec::name).toList());
    }

    @Test
    void unknownAndDuplicateKeys() {
        assertRejected("conf/x.yml:3: pool 'alpha': directive \"foo\" is unknown", """
                alpha:
                  listen: 127.0.0.1:22121
                  foo: bar
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': directive \"timeout\" is a duplicate", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout: 100
                  timeout: 200
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:5: pool 'alpha': directive \"servers\" is a duplicate", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                  servers:
                   - 127.0.0.1:6380:1
                """);
    }

    @Test
    void badValuesPointAtTheirLine() {
        assertRejected("conf/x.yml:3: pool 'alpha': hash 'fnv9' is not a valid hash", """
                alpha:
                  listen: 127.0.0.1:22121
                  hash: fnv9
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:2: pool 'alpha': listen address \"127.0.0.1:0\" has an invalid port \"0\" (must be 1..65535)", """
                alpha:
                  listen: 127.0.0.1:0
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"server_connections\" cannot be 0", """
                alpha:
                  listen: 127.0.0.1:22121
                  server_connections: 0
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    @Test
    void emptyValues() {
        assertRejected("conf/x.yml:3: pool 'alpha': \"hash_tag\" is empty", """
                alpha:
                  listen: 127.0.0.1:22121
                  hash_tag: ""
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"timeout\" is empty", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout:
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': server line is empty", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   -
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"servers\" must be a list of \"host:port:weight [name]\" lines", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                """);
        assertRejected("conf/x.yml:1: pool 'alpha' has no directives", """
                alpha:
                beta:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:1: a pool name is empty", """
                "":
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    @Test
    void servers() {
        assertRejected("conf/x.yml:5: pool 'alpha': server \"127.0.0.1:6380:0\" has a zero weight", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                   - 127.0.0.1:6380:0
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': server \"127.0.0.1:6379\" is not \"host:port:weight [name]\" or \"/path/to/socket:weight [name]\"", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379
                """);
        assertRejected("conf/x.yml:3: pool 'alpha': \"servers\" must be a list of \"host:port:weight [name]\" lines", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers: 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': each server must be a single \"host:port:weight [name]\" line", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - host: 127.0.0.1
                """);
    }

    @Test
    void duplicateServerNames() throws Exception {
        assertRejected("conf/x.yml:6: pool 'alpha' has servers with the same name '127.0.0.1:6379'", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                   - 127.0.0.1:6380:1
                   - 127.0.0.1:6379:2
                """);
        assertRejected("conf/x.yml:5: pool 'alpha' has servers with the same name 'r1'", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1 r1
                   - 127.0.0.1:6380:1 r1
                """);
        TwdConfig c = parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1 r1
                   - 127.0.0.1:6379:1 r2
                """);
        assertEquals(2, c.pools().get(0).servers().size());
    }

    @Test
    void poolRules() {
        assertRejected("conf/x.yml:1: pool 'alpha': directive \"listen\" is missing", """
                alpha:
                  hash: md5
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:5: pool 'beta' has no servers", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                beta:
                  listen: 127.0.0.1:22122
                """);
    }

    @Test
    void redisAuthOnAMemcachePoolPointsAtTheKey() {
        assertRejected("conf/x.yml:3: pool 'alpha': \"redis_auth\" is only valid for a redis pool", """
                alpha:
                  listen: 127.0.0.1:22121
                  redis_auth: s3cret
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    @Test
    void crossPoolRules() {
        assertRejected("conf/x.yml:6: duplicate pool 'alpha'", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1

                alpha:
                  listen: 127.0.0.1:22122
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:6: pools 'a' and 'b' listen on the same address '127.0.0.1:22121'", """
                a:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                b:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    @Test
    void exactlyOneDocument() {
        assertRejected("conf/x.yml: must contain exactly one document", "");
        assertRejected("conf/x.yml: must contain exactly one document", "# only a comment\n\n");
        assertRejected("conf/x.yml:1: the document start marker \"---\" is not allowed", """
                ---
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:5: must contain exactly one document", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                ---
                beta:
                  listen: 127.0.0.1:22122
                """);
        assertRejected("conf/x.yml:5: the document end marker \"...\" is not allowed", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                ...
                """);
        assertRejected("conf/x.yml:1: the document start marker \"---\" is not allowed", """
                %YAML 1.1
                ---
                alpha: {}
                """);
    }

    @Test
    void shapeOfTheDocument() {
        assertRejected("conf/x.yml:1: the top level must be a map of pools", "just a value\n");
        assertRejected("conf/x.yml:1: the top level must be a map of pools", "- alpha\n- beta\n");
        assertRejected("conf/x.yml:2: pool 'alpha' must be a map of directives, not a value", """
                alpha:
                  127.0.0.1:22121
                """);
        assertRejected("conf/x.yml:2: pool 'alpha' must be a map of directives, not a list", """
                alpha:
                  - listen
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': \"timeout\" must be a single value, not a map", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout:
                    connect: 100
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:4: pool 'alpha': \"timeout\" must be a single value, not a list", """
                alpha:
                  listen: 127.0.0.1:22121
                  timeout:
                   - 100
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:1: pool names must be plain values", """
                ? - alpha
                : listen: 127.0.0.1:22121
                """);
        assertRejected("conf/x.yml:2: pool 'alpha': directive names must be plain values", """
                alpha:
                  ? - listen
                  : 127.0.0.1:22121
                """);
    }

    @Test
    void yamlFeaturesNutcrackerRefuses() {
        assertRejected("conf/x.yml:4: flow style \"[...]\" is not allowed; write one item per line", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                    [127.0.0.1:6379:1]
                """);
        assertRejected("conf/x.yml:1: flow style \"{...}\" is not allowed; write one item per line",
                "alpha: {listen: 127.0.0.1:22121}\n");
        assertRejected("conf/x.yml:2: anchors (\"&l\") are not allowed", """
                alpha:
                  listen: &l 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                """);
        assertRejected("conf/x.yml:1: anchors (\"&base\") are not allowed", """
                alpha: &base
                  listen: 127.0.0.1:22121
                """);
        assertRejected("conf/x.yml:6: aliases (\"*s\") are not allowed", """
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                beta:
                  servers: *s
                """);
        assertRejected("conf/x.yml:2: tags (\"tag:yaml.org,2002:str\") are not allowed", """
                alpha:
                  listen: !!str 127.0.0.1:22121
                """);
        assertRejected("conf/x.yml:2: tags (\"!\") are not allowed", """
                alpha:
                  listen: ! 127.0.0.1:22121
                """);
        assertRejected("conf/x.yml:1: tags (\"tag:yaml.org,2002:map\") are not allowed", """
                !!map
                alpha:
                  listen: 127.0.0.1:22121
                """);
    }

    @Test
    void syntaxErrorsBecomeOneLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  - 127.0.0.1:6379:1
                """));
        assertEquals(SOURCE, e.source());
        assertEquals(3, e.line());
        assertEquals("invalid YAML: expected <block end>, but found '-' (while parsing a block mapping)", e.reason());

        ConfigException unclosed = assertThrows(ConfigException.class, () -> parse("""
                alpha:
                  redis_auth: 'abc
                  timeout: 1
                """));
        assertEquals("conf/x.yml:2: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)",
                unclosed.getMessage());

        ConfigException stray = assertThrows(ConfigException.class, () -> parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                  stray
                """));
        assertEquals("conf/x.yml:5: invalid YAML: could not find expected ':' (while scanning a simple key)",
                stray.getMessage());

        ConfigException tab = assertThrows(ConfigException.class, () -> parse("alpha:\n\tlisten: h:1\n"));
        assertEquals(2, tab.line());
        assertTrue(tab.reason().startsWith("invalid YAML: found character '\\t(TAB)'"), tab.reason());
        assertFalse(tab.getMessage().contains("\n"), tab.getMessage());

        ConfigException control = assertThrows(ConfigException.class, () -> parse("alpha:\n  listen: h:1\u0007\n"));
        assertEquals("conf/x.yml:2: invalid YAML: character U+0007 is not allowed", control.getMessage());
    }

    @Test
    void byteOrderMarkIsFine() throws Exception {
        assertEquals(1, parse("\uFEFFalpha:\n  listen: h:1\n  servers:\n   - h:1:1\n").pools().size());
    }

    @Test
    void exceptionParts() {
        ConfigException e = new ConfigException("admin", 0, "pool 'x' has no servers");
        assertEquals("admin: pool 'x' has no servers", e.getMessage());
        assertEquals("admin", e.source());
        assertEquals(0, e.line());
        assertEquals("pool 'x' has no servers", e.reason());
        assertEquals("a.yml:7: r", new ConfigException("a.yml", 7, "r").getMessage());
    }

    @Test
    void loadFromFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nutcracker.yml");
        Files.writeString(file, "alpha:\n  listen: 127.0.0.1:22121\n  servers:\n   - 127.0.0.1:6379:1\n");
        assertEquals(1, ConfigLoader.load(file).pools().size());

        Files.writeString(file, "alpha:\n  listen: 127.0.0.1:22121\n");
        assertEquals(file + ":1: pool 'alpha' has no servers",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).getMessage());
    }

    @Test
    void unreadableFiles(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.yml");
        assertEquals(missing + ": cannot be read: no such file",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(missing)).getMessage());
        Path latin1 = dir.resolve("latin1.yml");
        Files.write(latin1, "alpha:\n  redis_auth: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(latin1 + ": is not valid UTF-8",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1)).getMessage());
    }

    @Test
    void theSampleConfig() throws Exception {
        Path sample = findUpwards(Path.of("conf", "nutcracker.yml"));
        TwdConfig c = ConfigLoader.load(sample);
        assertEquals(List.of("beta", "alpha", "delta", "gamma", "omega", "sigma"),
                c.pools().stream().map(PoolConfig::name).toList());
        PoolConfig beta = c.pool("beta").orElseThrow();
        assertEquals("{}", beta.hashTag());
        assertEquals(400, beta.timeout());
        assertTrue(beta.redis());
        assertEquals(List.of("server1", "server2", "server3", "server4"),
                beta.servers().stream().map(ServerSpec::name).toList());
        PoolConfig gamma = c.pool("gamma").orElseThrow();
        assertFalse(gamma.redis());
        assertTrue(gamma.preconnect());
        assertEquals(1024, gamma.backlog());
        assertEquals(10, c.pool("delta").orElseThrow().servers().size());
        PoolConfig omega = c.pool("omega").orElseThrow();
        assertEquals("/tmp/gamma", omega.listen().path());
        assertEquals(HashType.HSIEH, omega.hash());
        assertEquals(100000, omega.servers().get(0).weight());
        PoolConfig sigma = c.pool("sigma").orElseThrow();
        assertEquals(Distribution.MODULA, sigma.distribution());
        assertEquals(0666, sigma.listen().permissions());
        assertEquals("s3cret", sigma.redisAuth());
        assertEquals(List.of("redis-a", "/tmp/redis-b.sock:"),
                sigma.servers().stream().map(ServerSpec::name).toList());
    }

    /** The tests run in the module directory; the sample lives at the repository root. */
    private static Path findUpwards(Path relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
