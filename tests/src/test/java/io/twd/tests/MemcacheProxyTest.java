package io.twd.tests;

import static io.twd.tests.MemcacheWire.store;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.Binaries;
import io.twd.tests.support.ManagedProcess;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A memcache pool through twd, against three real memcached 1.6 servers: every supported
 * command, multi-key retrievals split and merged, pipelining, large and binary values,
 * noreply, quiet meta commands, refused commands, and libmemcached's command-line tools.
 */
class MemcacheProxyTest {
    private static final String POOL = "mc";
    private static Memcached mc1;
    private static Memcached mc2;
    private static Memcached mc3;
    private static TwdProcess twd;

    @BeforeAll
    static void start() {
        mc1 = Memcached.start();
        mc2 = Memcached.start();
        mc3 = Memcached.start();
        twd = TwdProcess.start(String.join("\n",
                POOL + ":",
                "  listen: 127.0.0.1:" + io.twd.tests.support.FreePorts.allocate(),
                "  hash: md5",
                "  distribution: ketama",
                "  timeout: 2000",
                "  servers:",
                "   - " + mc1.serverLine(1, "mc1"),
                "   - " + mc2.serverLine(1, "mc2"),
                "   - " + mc3.serverLine(1, "mc3"),
                ""));
    }

    @AfterAll
    static void stop() {
        List<String> leaks = twd == null ? List.of() : twd.leakReports();
        for (AutoCloseable c : new AutoCloseable[] {twd, mc1, mc2, mc3}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // keep stopping the others
                }
            }
        }
        assertEquals(List.of(), leaks, "netty leak reports in the twd log");
    }

    private static Memc client() {
        return twd.memcache(POOL);
    }

    /** Where a key lives, asked of the backends directly: 1, 2 or 3 (0: nowhere). */
    private static int serverOf(String key) {
        Memcached[] all = {mc1, mc2, mc3};
        int found = 0;
        for (int i = 0; i < all.length; i++) {
            try (Memc direct = all[i].client()) {
                if (!direct.get(key).isEmpty()) {
                    assertEquals(0, found, key + " is on two servers");
                    found = i + 1;
                }
            }
        }
        return found;
    }

    @Test
    void storageCommands() {
        try (Memc c = client()) {
            assertEquals(List.of("STORED\r\n", "NOT_STORED\r\n", "STORED\r\n", "NOT_STORED\r\n", "STORED\r\n",
                    "STORED\r\n", "STORED\r\n", "VALUE st:a 7 7\r\n<hello>\r\nEND\r\n"),
                MemcacheWire.oneByOne(c, List.of(
                    store("set", "st:a", 7, "hello", false),
                    store("add", "st:a", 0, "x", false),
                    store("add", "st:b", 0, "b", false),
                    store("replace", "st:missing", 0, "x", false),
                    store("replace", "st:b", 0, "bb", false),
                    store("append", "st:a", 0, ">", false),
                    store("prepend", "st:a", 0, "<", false),
                    "get st:a\r\n")));
            String gets = MemcacheWire.read(c.send("gets st:a"), MemcacheWire.Kind.RETRIEVAL);
            String cas = gets.split("\r\n")[0].split(" ")[4];
            assertEquals(List.of("EXISTS\r\n", "STORED\r\n", "NOT_FOUND\r\n", "VALUE st:a 3 3\r\nnew\r\nEND\r\n"),
                MemcacheWire.oneByOne(c, List.of(
                    "cas st:a 0 0 1 " + (Long.parseLong(cas) + 1000) + "\r\nx\r\n",
                    "cas st:a 3 0 3 " + cas + "\r\nnew\r\n",
                    "cas st:nothing 0 0 1 1\r\nx\r\n",
                    "get st:a\r\n")));
        }
    }

    @Test
    void otherKeyedCommands() {
        try (Memc c = client()) {
            assertEquals(List.of("STORED\r\n", "15\r\n", "12\r\n", "0\r\n", "NOT_FOUND\r\n", "STORED\r\n",
                    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
                    "TOUCHED\r\n", "NOT_FOUND\r\n", "DELETED\r\n", "NOT_FOUND\r\n", "END\r\n"),
                MemcacheWire.oneByOne(c, List.of(
                    store("set", "kc:n", 0, "10", false),
                    "incr kc:n 5\r\n", "decr kc:n 3\r\n", "decr kc:n 100\r\n", "incr kc:missing 1\r\n",
                    store("set", "kc:text", 0, "abc", false), "incr kc:text 1\r\n",
                    "touch kc:n 100\r\n", "touch kc:missing 100\r\n",
                    "delete kc:n\r\n", "delete kc:n\r\n", "get kc:n\r\n")));
            String version = c.call("version");
            assertTrue(version.matches("VERSION 1\\.6\\.\\d+"), version);
        }
    }

    @Test
    void multiGetAcrossServersIsMergedInKeyOrder() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("mget:" + i);
        }
        long fragmentsBefore = twd.stats().poolMetric(POOL, "fragments");
        try (Memc c = client()) {
            for (int i = 0; i < keys.size(); i += 2) {
                assertEquals("STORED", c.set(keys.get(i), i, 0, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            int[] perServer = new int[4];
            for (int i = 0; i < keys.size(); i += 2) {
                perServer[serverOf(keys.get(i))]++;
            }
            assertEquals(0, perServer[0]);
            assertTrue(perServer[1] > 0 && perServer[2] > 0 && perServer[3] > 0, "md5 spreads keys: "
                + java.util.Arrays.toString(perServer));

            List<String> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, new Random(7));
            shuffled.add(shuffled.get(0)); // a repeated key comes back twice, as from memcached
            StringBuilder expected = new StringBuilder();
            for (String k : shuffled) {
                int i = Integer.parseInt(k.substring(5));
                if (i % 2 == 0) {
                    expected.append("VALUE ").append(k).append(' ').append(i).append(' ').append(("v" + i).length())
                        .append("\r\nv").append(i).append("\r\n");
                }
            }
            expected.append("END\r\n");
            assertEquals(expected.toString(), MemcacheWire.read(c.send("get " + String.join(" ", shuffled)),
                MemcacheWire.Kind.RETRIEVAL));
            // gets, gat and gats are split the same way.
            String gets = MemcacheWire.read(c.send("gets " + String.join(" ", shuffled)), MemcacheWire.Kind.RETRIEVAL);
            assertEquals(expected.toString(), MemcacheWire.maskCas(gets).replace(" <cas>", ""));
            assertTrue(MemcacheWire.maskCas(gets).contains(" <cas>\r\n"));
            assertEquals(expected.toString(), MemcacheWire.read(c.send("gat 1000 " + String.join(" ", shuffled)),
                MemcacheWire.Kind.RETRIEVAL));
            String gats = MemcacheWire.read(c.send("gats 0 " + String.join(" ", shuffled)), MemcacheWire.Kind.RETRIEVAL);
            assertEquals(expected.toString(), MemcacheWire.maskCas(gats).replace(" <cas>", ""));
            // Only missing keys: just END.
            assertEquals("END\r\n", MemcacheWire.read(c.send("get mget:1 mget:3 mget:5 mget:7"), MemcacheWire.Kind.RETRIEVAL));
        }
        assertTrue(twd.stats().poolMetric(POOL, "fragments") >= fragmentsBefore + 4 * 3);
    }

    @Test
    void gatUpdatesTheTtl() {
        try (Memc c = client(); Memc d1 = mc1.client(); Memc d2 = mc2.client(); Memc d3 = mc3.client()) {
            assertEquals("STORED", c.set("ttl:a", "1"));
            assertEquals("STORED", c.set("ttl:b", "2"));
            MemcacheWire.read(c.send("gat 500 ttl:a ttl:b"), MemcacheWire.Kind.RETRIEVAL);
            for (String k : List.of("ttl:a", "ttl:b")) {
                Memc direct = List.of(d1, d2, d3).get(serverOf(k) - 1);
                String ttl = direct.call("mg " + k + " t");
                assertTrue(ttl.matches("HD t(49\\d|500)"), k + ": " + ttl);
            }
        }
    }

    @Test
    void pipelinedRequestsInOneWrite() {
        List<String> requests = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            requests.add(store("set", "pipe:" + i, 0, "value-" + i, false));
            expected.add("STORED\r\n");
        }
        for (int i = 0; i < 300; i++) {
            requests.add("get pipe:" + i + " pipe:" + (i + 1) % 300 + " pipe:none\r\n");
            expected.add("VALUE pipe:" + i + " 0 " + ("value-" + i).length() + "\r\nvalue-" + i + "\r\n"
                + "VALUE pipe:" + (i + 1) % 300 + " 0 " + ("value-" + (i + 1) % 300).length() + "\r\nvalue-"
                + (i + 1) % 300 + "\r\nEND\r\n");
            requests.add("incr pipe:none 1\r\n");
            expected.add("NOT_FOUND\r\n");
            requests.add("mn\r\n");
            expected.add("MN\r\n");
        }
        try (Memc c = client()) {
            assertEquals(expected, MemcacheWire.pipelined(c, requests));
        }
    }

    @Test
    void largeBinaryValues() {
        byte[] value = new byte[512 * 1024];
        new Random(42).nextBytes(value);
        for (int i = 0; i < value.length; i += 1000) {
            value[i] = '\r';
            value[i + 1] = '\n';
        }
        try (Memc c = client()) {
            assertEquals("STORED", c.set("big:1", 5, 0, value));
            assertEquals("STORED", c.set("big:2", 0, 0, "small".getBytes(StandardCharsets.UTF_8)));
            List<Memc.Item> items = c.items("get", "big:2", "big:1", "big:none");
            assertEquals(2, items.size());
            assertEquals("small", items.get(0).value());
            assertEquals("big:1", items.get(1).key());
            assertEquals(5, items.get(1).flags());
            assertArrayEquals(value, items.get(1).data());
            // A value over memcached's item size limit (1 MB) is refused by memcached, not by twd.
            byte[] huge = new byte[1024 * 1024 + 1];
            assertEquals("SERVER_ERROR object too large for cache", c.set("big:huge", 0, 0, huge));
            assertEquals("STORED", c.set("big:after", "ok"));
        }
    }

    @Test
    void noreplyRequestsTakeNoReply() {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            requests.add(store("set", "nr:" + i, 0, "v" + i, true));
        }
        requests.add(store("add", "nr:0", 0, "x", true));
        requests.add(store("replace", "nr:1", 0, "r", true));
        requests.add(store("append", "nr:2", 0, "+", true));
        requests.add(store("prepend", "nr:3", 0, "-", true));
        requests.add(store("set", "nr:n", 0, "5", true));
        requests.add("incr nr:n 10 noreply\r\n");
        requests.add("decr nr:n 1 noreply\r\n");
        requests.add("touch nr:4 100 noreply\r\n");
        requests.add("delete nr:5 noreply\r\n");
        requests.add("delete nr:6 0 noreply\r\n");
        requests.add("get nr:0 nr:1 nr:2 nr:3 nr:4 nr:5 nr:6 nr:n\r\n");
        try (Memc c = client()) {
            List<String> replies = MemcacheWire.pipelined(c, requests);
            assertEquals("VALUE nr:0 0 2\r\nv0\r\nVALUE nr:1 0 1\r\nr\r\nVALUE nr:2 0 3\r\nv2+\r\n"
                + "VALUE nr:3 0 3\r\n-v3\r\nVALUE nr:4 0 2\r\nv4\r\nVALUE nr:n 0 2\r\n14\r\nEND\r\n",
                replies.get(replies.size() - 1));
            assertEquals("", String.join("", replies.subList(0, replies.size() - 1)));
            // Nothing else came back: the next reply is the next request's.
            assertEquals("MN", c.call("mn"));
            String cas = c.items("gets", "nr:7").get(0).cas().toString();
            c.send("cas nr:7 0 0 1 " + cas + " noreply\r\nC");
            assertEquals("VALUE nr:7 0 1", c.call("get nr:7"));
            assertEquals("C", c.readLine());
            assertEquals("END", c.readLine());
        }
    }

    @Test
    void metaCommandsAreRoutedByKey() {
        try (Memc c = client()) {
            for (int i = 0; i < 30; i++) {
                assertEquals("HD", c.call("ms meta:" + i + " 2 F9 T0\r\nm" + (i % 10)));
            }
            int[] perServer = new int[4];
            for (int i = 0; i < 30; i++) {
                perServer[serverOf("meta:" + i)]++;
            }
            assertEquals(0, perServer[0]);
            assertTrue(perServer[1] > 0 && perServer[2] > 0 && perServer[3] > 0, java.util.Arrays.toString(perServer));
            assertEquals(List.of("VA 2 f9 Oab\r\nm3\r\n", "HD f9\r\n", "EN\r\n", "HD\r\n", "EN\r\n", "VA 1\r\n1\r\n",
                    "VA 1\r\n3\r\n", "NF\r\n", "MN\r\n", "EN\r\n"),
                MemcacheWire.oneByOne(c, List.of("mg meta:3 v f Oab\r\n", "mg meta:3 f\r\n", "mg meta:none v\r\n",
                    "md meta:3\r\n", "mg meta:3 v\r\n", "ma meta:n N0 J1 v\r\n", "ma meta:n D2 v\r\n",
                    "ma meta:none\r\n", "mn\r\n", "me meta:none\r\n")));
            assertTrue(c.call("me meta:4").startsWith("ME meta:4 exp=-1 "));
            assertEquals("CLIENT_ERROR invalid flag", c.call("mg meta:1 !"));
        }
    }

    /**
     * Quiet mode through twd must look exactly like quiet mode on memcached itself: the same
     * session, read up to the closing mn, on a direct connection and through the proxy.
     */
    @Test
    void quietMetaCommandsBehaveAsOnMemcached() {
        for (String prefix : List.of("q1:", "q2:")) {
            try (Memc setup = client()) {
                assertEquals("STORED", setup.set(prefix + "hit", "v"));
                assertEquals("STORED", setup.set(prefix + "num", "5"));
                assertEquals("STORED", setup.set(prefix + "del", "d"));
            }
        }
        List<String> session = List.of(
            "mg {}hit v q O1\r\n", "mg {}miss v q O2\r\n", "mg {}hit q\r\n", "mg {}miss q k\r\n",
            "ms {}new 2 q O3\r\nab\r\n", "ms {}hit 1 q ME\r\nx\r\n", "ms {}nope 1 q MR\r\nx\r\n",
            "md {}del q\r\n", "md {}del q O4\r\n", "md {}miss q C1\r\n",
            "ma {}num q\r\n", "ma {}num q v\r\n", "ma {}miss q\r\n", "ma {}miss q v\r\n",
            "mg {}num v\r\n", "mg {}new v q\r\n", "mg {}hit q q\r\n", "mn\r\n");
        String direct = quietSession(mc1, "q1:", session);
        String proxied;
        try (Memc c = client()) {
            proxied = quietRun(c, "q2:", session);
        }
        assertEquals(direct.replace("q1:", "q2:"), proxied);
        assertTrue(proxied.startsWith("VA 1 O1\r\nv\r\nHD\r\nNS\r\nNS\r\n"), proxied);
    }

    private static String quietSession(Memcached server, String prefix, List<String> session) {
        // The direct run needs the keys on the server it talks to.
        try (Memc c = server.client()) {
            assertEquals("STORED", c.set(prefix + "hit", "v"));
            assertEquals("STORED", c.set(prefix + "num", "5"));
            assertEquals("STORED", c.set(prefix + "del", "d"));
            return quietRun(c, prefix, session);
        }
    }

    private static String quietRun(Memc c, String prefix, List<String> session) {
        StringBuilder all = new StringBuilder();
        for (String s : session) {
            all.append(s.replace("{}", prefix));
        }
        c.sendRaw(all.toString().getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder out = new StringBuilder();
        while (true) {
            String reply = MemcacheWire.read(c, MemcacheWire.Kind.META);
            out.append(reply);
            if (reply.equals("MN\r\n")) {
                return out.toString();
            }
        }
    }

    @Test
    void refusedCommandsAreAnsweredAndTheConnectionStaysUsable() {
        try (Memc c = client()) {
            assertEquals(List.of(
                    "CLIENT_ERROR command 'stats' is not supported through the proxy\r\n",
                    "CLIENT_ERROR command 'flush_all' is not supported through the proxy\r\n",
                    "CLIENT_ERROR command 'verbosity' is not supported through the proxy\r\n",
                    "CLIENT_ERROR unknown command 'GET' (command names are lowercase)\r\n",
                    "CLIENT_ERROR unknown command 'nonsense'\r\n",
                    "CLIENT_ERROR key too long: 251 bytes, the limit is 250\r\n",
                    "CLIENT_ERROR key too long: 251 bytes, the limit is 250\r\n",
                    "CLIENT_ERROR invalid numeric delta argument\r\n",
                    "CLIENT_ERROR bad command line format.  Usage: get <key>*\r\n",
                    "STORED\r\n",
                    "VALUE ok 0 2\r\nok\r\nEND\r\n"),
                MemcacheWire.oneByOne(c, List.of("stats\r\n", "flush_all\r\n", "verbosity 1\r\n", "GET ok\r\n",
                    "nonsense\r\n", "get a " + "k".repeat(251) + "\r\n",
                    // The data block of a refused storage command is skipped, not taken as a command.
                    store("set", "k".repeat(251), 0, "get ok", false),
                    "incr ok x\r\n", "get\r\n", store("set", "ok", 0, "ok", false), "get ok\r\n")));
            assertFalse(c.isClosedByPeer(Duration.ofMillis(100)));
            // An unrecoverable framing error: the error line, then the connection is closed.
            c.send("set ok 0 0 notanumber\r\nxx");
            assertEquals("CLIENT_ERROR bad command line format.  Usage: set <key> <flags> <exptime> <bytes> [noreply]",
                c.readLine());
            assertTrue(c.isClosedByPeer(Duration.ofSeconds(5)));
        }
        StatsClient.Stats stats = twd.stats();
        assertTrue(stats.poolMetric(POOL, "client_err") >= 10, stats.raw());
    }

    @Test
    void quitClosesAfterEarlierReplies() {
        try (Memc c = client()) {
            c.sendRaw(("set q:a 0 0 1\r\na\r\nget q:a\r\nquit\r\nget q:a\r\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals("STORED", c.readLine());
            assertEquals("VALUE q:a 0 1", c.readLine());
            assertEquals("a", c.readLine());
            assertEquals("END", c.readLine());
            assertNull(c.readLine(), "closed after quit");
        }
    }

    @Test
    void statsCountMemcacheTraffic() {
        StatsClient.Stats before = twd.stats();
        try (Memc c = client()) {
            for (int i = 0; i < 20; i++) {
                assertEquals("STORED", c.set("stats:" + i, "x"));
            }
        }
        StatsClient.Stats after = twd.stats();
        long requests = 0;
        for (String s : List.of("mc1", "mc2", "mc3")) {
            requests += after.serverMetric(POOL, s, "requests") - before.serverMetric(POOL, s, "requests");
            assertTrue(after.serverMetric(POOL, s, "responses") > 0);
        }
        assertTrue(requests >= 20, "requests: " + requests);
        assertEquals(List.of("mc1", "mc2", "mc3"), after.servers(POOL));
    }

    @Test
    void libmemcachedToolsWorkThroughTwd() throws Exception {
        String memccp = Binaries.find("memccp").or(() -> Binaries.find("memcp")).orElseThrow(
            () -> new IllegalStateException("libmemcached-tools is not installed (memccp/memcp)")).toString();
        String memccat = Binaries.find("memccat").or(() -> Binaries.find("memcat")).orElseThrow().toString();
        String servers = "--servers=127.0.0.1:" + twd.port(POOL);
        Path dir = Files.createTempDirectory(ManagedProcess.logDir(), "memccp");
        byte[] content = new byte[100_000];
        new Random(5).nextBytes(content);
        Path file = dir.resolve("tools-blob.bin");
        Files.write(file, content);
        Path text = dir.resolve("tools-text.txt");
        Files.writeString(text, "hello from memccp");
        ManagedProcess.Result cp = ManagedProcess.run("memccp", Duration.ofSeconds(30),
            List.of(memccp, servers, file.toString(), text.toString()));
        assertEquals(0, cp.exitCode(), cp.output());
        // memccp stores under the file's base name.
        try (Memc c = client()) {
            assertArrayEquals(content, c.items("get", "tools-blob.bin").get(0).data());
        }
        ManagedProcess.Result cat = ManagedProcess.run("memccat", Duration.ofSeconds(30),
            List.of(memccat, servers, "tools-text.txt"));
        assertEquals(0, cat.exitCode(), cat.output());
        assertEquals("hello from memccp", cat.stdout().trim());
        ManagedProcess.Result missing = ManagedProcess.run("memccat", Duration.ofSeconds(30),
            List.of(memccat, servers, "tools-no-such-key"));
        assertTrue(missing.exitCode() != 0, missing.output());
        Map<String, String> values;
        try (Memc c = client()) {
            values = c.get("tools-text.txt");
        }
        assertEquals(Map.of("tools-text.txt", "hello from memccp"), values);
    }
}
