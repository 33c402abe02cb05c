package io.twd.protocol.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.protocol.admin.AdminRequest.ConfigCheck;
import io.twd.protocol.admin.AdminRequest.ConfigShow;
import io.twd.protocol.admin.AdminRequest.Help;
import io.twd.protocol.admin.AdminRequest.Ping;
import io.twd.protocol.admin.AdminRequest.PoolAdd;
import io.twd.protocol.admin.AdminRequest.PoolDel;
import io.twd.protocol.admin.AdminRequest.PoolList;
import io.twd.protocol.admin.AdminRequest.PoolSet;
import io.twd.protocol.admin.AdminRequest.PoolShow;
import io.twd.protocol.admin.AdminRequest.Quit;
import io.twd.protocol.admin.AdminRequest.Reload;
import io.twd.protocol.admin.AdminRequest.Stats;
import io.twd.protocol.admin.AdminRequest.Status;
import io.twd.protocol.admin.AdminRequest.Upgrade;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminRequestTest {

    private static AdminRequest parse(String line) throws AdminSyntaxException {
        AdminRequest request = AdminRequest.parse(line);
        assertEquals(request, AdminRequest.parse(request.toLine()), "round trip of " + line);
        return request;
    }

    private static String error(String line) {
        return assertThrows(AdminSyntaxException.class, () -> AdminRequest.parse(line)).getMessage();
    }

    private static Map<String, String> map(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void commandsWithoutArguments() throws Exception {
        assertEquals(new Ping(), parse("ping"));
        assertEquals(new Status(), parse("status"));
        assertEquals(new PoolList(), parse("pool list"));
        assertEquals(new Reload(), parse("reload"));
        assertEquals(new Upgrade(), parse("upgrade"));
        assertEquals(new ConfigShow(), parse("config show"));
        assertEquals(new Stats(), parse("stats"));
        assertEquals(new Quit(), parse("quit"));
        assertEquals(new Ping(), parse("  ping\t"));
        assertEquals(new Ping(), parse("\"ping\""));
    }

    @Test
    void blankLinesAreNoRequest() throws Exception {
        assertNull(AdminRequest.parse(""));
        assertNull(AdminRequest.parse(" \t "));
    }

    @Test
    void help() throws Exception {
        assertEquals(new Help(null), parse("help"));
        assertEquals(new Help("ping"), parse("help ping"));
        assertEquals(new Help("pool add"), parse("help pool add"));
        assertEquals(new Help("pool add"), parse("help \"pool add\""));
        assertEquals(new Help("pool"), parse("help pool"));
        assertEquals("help pool add", new Help("pool add").toLine());
        assertEquals("help: unknown command 'foo' (try 'help')", error("help foo"));
        assertEquals("help: unknown command 'pool foo' (try 'help')", error("help pool foo"));
    }

    @Test
    void poolsByName() throws Exception {
        assertEquals(new PoolShow("alpha"), parse("pool show alpha"));
        assertEquals(new PoolDel("beta-2.x_y"), parse("pool del beta-2.x_y"));
        assertEquals("pool show alpha", new PoolShow("alpha").toLine());
    }

    @Test
    void poolAdd() throws Exception {
        PoolAdd add = (PoolAdd) parse("pool add alpha listen=127.0.0.1:22121 redis=true"
                + " server=10.0.0.1:6379:1 server=\"10.0.0.2:6379:1 r2\" hash_tag={}");
        assertEquals("alpha", add.name());
        assertEquals(map("listen", "127.0.0.1:22121", "redis", "true", "hash_tag", "{}"), add.attributes());
        assertEquals(List.of("listen", "redis", "hash_tag"), new ArrayList<>(add.attributes().keySet()));
        assertEquals(List.of("10.0.0.1:6379:1", "10.0.0.2:6379:1 r2"), add.servers());
        assertEquals("pool add alpha listen=127.0.0.1:22121 redis=true hash_tag={}"
                + " server=10.0.0.1:6379:1 server=\"10.0.0.2:6379:1 r2\"", add.toLine());
        assertTrue(add.changesConfig());
    }

    @Test
    void valuesSplitAtTheFirstEquals() throws Exception {
        PoolAdd add = (PoolAdd) parse("pool add a listen=/tmp/a.sock redis=true redis_auth=p=w= server=h:1:1");
        assertEquals("p=w=", add.attributes().get("redis_auth"));
        assertEquals("/tmp/a.sock 0600", ((PoolAdd) parse(
                "pool add a \"listen=/tmp/a.sock 0600\" server=h:1:1")).attributes().get("listen"));
    }

    @Test
    void poolSet() throws Exception {
        PoolSet set = (PoolSet) parse("pool set alpha timeout=400 server+=10.0.0.3:6379:1 server-=r2"
                + " server+=\"10.0.0.4:6379:2 r4\" server-=10.0.0.1:6379");
        assertEquals(map("timeout", "400"), set.attributes());
        assertNull(set.servers());
        assertEquals(List.of("10.0.0.3:6379:1", "10.0.0.4:6379:2 r4"), set.addServers());
        assertEquals(List.of("r2", "10.0.0.1:6379"), set.removeServers());
        assertEquals("pool set alpha timeout=400 server+=10.0.0.3:6379:1 server+=\"10.0.0.4:6379:2 r4\""
                + " server-=r2 server-=10.0.0.1:6379", set.toLine());
        assertTrue(set.changesConfig());

        PoolSet replace = (PoolSet) parse("pool set alpha server=a:1:1 server=b:1:1");
        assertEquals(List.of("a:1:1", "b:1:1"), replace.servers());
        assertEquals(map(), replace.attributes());
        assertEquals(List.of(), replace.addServers());

        assertEquals(new PoolSet("alpha", map("listen", "0.0.0.0:1"), null, List.of(), List.of()),
                parse("pool set alpha listen=0.0.0.0:1"));
    }

    @Test
    void configCheck() throws Exception {
        assertEquals(new ConfigCheck(null), parse("config check"));
        assertEquals(new ConfigCheck("/etc/twd/my config.yml"), parse("config check \"/etc/twd/my config.yml\""));
        assertEquals("config check \"/etc/twd/my config.yml\"", new ConfigCheck("/etc/twd/my config.yml").toLine());
        assertEquals("config check: the path is empty", error("config check \"\""));
        assertEquals("config check: unexpected argument 'b' (usage: config check [PATH])", error("config check a b"));
    }

    @Test
    void onlyChangesChangeConfig() throws Exception {
        for (String line : List.of("help", "ping", "status", "pool list", "pool show a", "config check",
                "config show", "stats", "quit")) {
            assertFalse(AdminRequest.parse(line).changesConfig(), line);
        }
        for (String line : List.of("pool add a listen=x server=h:1:1", "pool set a timeout=1", "pool del a",
                "reload", "upgrade")) {
            assertTrue(AdminRequest.parse(line).changesConfig(), line);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "foo                                | unknown command 'foo' (try 'help')",
        "PING                               | unknown command 'PING' (try 'help')",
        "\"\"                               | unknown command '' (try 'help')",
        "pool                               | pool: missing subcommand (try 'help pool')",
        "pool frob                          | unknown command 'pool frob' (try 'help pool')",
        "config                             | config: missing subcommand (try 'help config')",
        "config edit                        | unknown command 'config edit' (try 'help config')",
        "ping pong                          | ping: unexpected argument 'pong' (usage: ping)",
        "pool list x                        | pool list: unexpected argument 'x' (usage: pool list)",
        "config show x                      | config show: unexpected argument 'x' (usage: config show)",
        "status x                           | status: unexpected argument 'x' (usage: status)",
        "reload now                         | reload: unexpected argument 'now' (usage: reload)",
        "upgrade x                          | upgrade: unexpected argument 'x' (usage: upgrade)",
        "stats x                            | stats: unexpected argument 'x' (usage: stats)",
        "quit x                             | quit: unexpected argument 'x' (usage: quit)",
        "pool show                          | pool show: missing pool name",
        "pool show a b                      | pool show: unexpected argument 'b' (usage: pool show NAME)",
        "pool del                           | pool del: missing pool name",
        "pool del \"a b\"                   | pool name 'a b' is invalid: use letters, digits, '_', '.', '-' (at most 64)",
        "pool show a/b                      | pool name 'a/b' is invalid: use letters, digits, '_', '.', '-' (at most 64)",
        "pool add                           | pool add: missing pool name",
        "pool set                           | pool set: missing pool name",
        "pool add \"a b\" listen=x          | pool name 'a b' is invalid: use letters, digits, '_', '.', '-' (at most 64)",
        "pool set alpha timeout=1 timeout=2 | pool set alpha: 'timeout' given twice",
        "pool add alpha timeout             | pool add alpha: expected key=value, got 'timeout'",
        "pool add alpha =5                  | pool add alpha: expected key=value, got '=5'",
        "pool add alpha foo=1               | pool add alpha: unknown key 'foo'",
        "pool add alpha servers=h:1:1       | pool add alpha: unknown key 'servers'",
        "pool set alpha timeout+=5          | pool set alpha: '+=' and '-=' are only for server, got 'timeout+=5'",
        "pool set alpha foo+=5              | pool set alpha: unknown key 'foo+'",
        "pool set alpha timeout=            | pool set alpha: missing value after 'timeout='",
        "pool set alpha server+=            | pool set alpha: missing value after 'server+='",
        "pool set alpha server=             | pool set alpha: missing value after 'server='",
        "pool set alpha server=a:1:1 server+=b:1:1 | pool set alpha: server= cannot be combined with server+= or server-=",
        "pool set alpha server-=b server=a:1:1     | pool set alpha: server= cannot be combined with server+= or server-=",
        "pool add alpha server+=a:1:1       | pool add alpha: server+= and server-= are only for pool set (use server=)",
        "pool add alpha server-=a           | pool add alpha: server+= and server-= are only for pool set (use server=)",
        "pool add alpha server=a:1:1        | pool add alpha: listen= is required",
        "pool add alpha listen=x            | pool add alpha: at least one server= is required",
        "pool add alpha                     | pool add alpha: listen= is required",
        "pool set alpha                     | pool set alpha: nothing to change (give key=value, server=, server+= or server-=)",
        "ping \"abc                         | unterminated quote at column 6",
    })
    void errorsSayWhatIsWrong(String line, String message) {
        assertEquals(message, error(line));
    }

    @Test
    void errorsShowControlCharactersAndCutLongWords() {
        assertEquals("unknown command 'a\\nb' (try 'help')", error("\"a\\nb\""));
        assertEquals("pool add alpha: unknown key '" + "k".repeat(60) + "...'",
                error("pool add alpha " + "k".repeat(100) + "=1"));
    }

    @Test
    void theFirstBadArgumentIsReported() {
        assertEquals("pool add alpha: unknown key 'foo'", error("pool add alpha foo=1 bar"));
        assertEquals("pool add alpha: expected key=value, got 'bar'", error("pool add alpha bar foo=1"));
    }

    @Test
    void lineLengthLimit() throws Exception {
        String fits = "pool show " + "x".repeat(AdminProtocol.MAX_LINE_BYTES - 11) + " ";
        assertEquals(AdminProtocol.MAX_LINE_BYTES, fits.length());
        assertTrue(error(fits).startsWith("pool name"));
        assertEquals("line too long (limit 65536 bytes)", error("ping" + " ".repeat(AdminProtocol.MAX_LINE_BYTES - 3)));
        // The limit is in UTF-8 bytes: 32768 two-byte characters are exactly at it.
        assertTrue(error("é".repeat(AdminProtocol.MAX_LINE_BYTES / 2)).startsWith("unknown command"));
        assertEquals("line too long (limit 65536 bytes)", error("é".repeat(AdminProtocol.MAX_LINE_BYTES / 2) + "x"));
    }

    @Test
    void constructorsRejectWhatTheParserRejects() {
        Map<String, String> listen = map("listen", "x");
        assertThrows(IllegalArgumentException.class, () -> new PoolShow("a b"));
        assertThrows(IllegalArgumentException.class, () -> new Help("nope"));
        assertThrows(IllegalArgumentException.class, () -> new PoolAdd("a", map("listen", "x", "foo", "1"), List.of("h:1:1")));
        assertThrows(IllegalArgumentException.class, () -> new PoolAdd("a", map("listen", ""), List.of("h:1:1")));
        assertThrows(IllegalArgumentException.class, () -> new PoolAdd("a", listen, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PoolAdd("a", listen, List.of("")));
        assertThrows(IllegalArgumentException.class, () -> new PoolSet("a", map(), List.of(), List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PoolSet("a", map(), List.of("h:1:1"), List.of("x:1:1"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PoolSet("a", map(), null, List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ConfigCheck(""));
        assertThrows(NullPointerException.class, () -> new PoolDel(null));
    }

    @Test
    void requestsHoldUnmodifiableCopies() {
        Map<String, String> attributes = map("listen", "x");
        List<String> servers = new ArrayList<>(List.of("h:1:1"));
        PoolAdd add = new PoolAdd("a", attributes, servers);
        attributes.put("timeout", "1");
        servers.clear();
        assertEquals(map("listen", "x"), add.attributes());
        assertEquals(List.of("h:1:1"), add.servers());
        assertThrows(UnsupportedOperationException.class, () -> add.attributes().put("hash", "md5"));
        assertThrows(UnsupportedOperationException.class, () -> add.servers().add("h:2:1"));
    }

    // Values full of quotes, escapes, spaces, '=' and non-ASCII text survive toLine and parse.
    private static final String[] ALPHABET = {
        " ", "\t", "\"", "\\", "=", "+=", "-=", "\n", "a", "Z", "0", ":", "é", "😀", "'", "#"};

    private static String randomValue(Random random) {
        StringBuilder value = new StringBuilder();
        for (int n = 1 + random.nextInt(8); n > 0; n--) {
            value.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return value.toString();
    }

    private static List<String> randomValues(Random random, int min) {
        List<String> values = new ArrayList<>();
        for (int n = min + random.nextInt(3); n > 0; n--) {
            values.add(randomValue(random));
        }
        return values;
    }

    @Test
    void randomPoolChangesRoundTrip() throws Exception {
        Random random = new Random(42L);
        for (int i = 0; i < 5_000; i++) {
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int n = random.nextInt(5); n > 0; n--) {
                String key = AdminProtocol.POOL_KEYS.get(random.nextInt(AdminProtocol.POOL_KEYS.size()));
                attributes.put(key, randomValue(random));
            }
            AdminRequest request;
            if (random.nextBoolean()) {
                attributes.put("listen", randomValue(random));
                request = new PoolAdd("p" + i, attributes, randomValues(random, 1));
            } else if (random.nextBoolean()) {
                request = new PoolSet("p" + i, attributes, randomValues(random, 1), List.of(), List.of());
            } else {
                List<String> add = randomValues(random, 0);
                add.add(randomValue(random));
                request = new PoolSet("p" + i, attributes, null, add, randomValues(random, 0));
            }
            String line = request.toLine();
            assertFalse(line.contains("\n"), line);
            assertEquals(request, AdminRequest.parse(line), line);
        }
    }

    @Test
    void parseFailsOnlyWithSyntaxErrors() {
        String[] starts = {"pool add a ", "pool set a ", "pool show ", "help ", "config check ", ""};
        Random random = new Random(99L);
        for (int i = 0; i < 20_000; i++) {
            String line = starts[random.nextInt(starts.length)] + randomValue(random) + " " + randomValue(random);
            try {
                AdminRequest request = AdminRequest.parse(line);
                if (request != null) {
                    assertEquals(request, AdminRequest.parse(request.toLine()), line);
                }
            } catch (AdminSyntaxException expected) {
                assertFalse(expected.getMessage().isEmpty());
            }
        }
    }
}
