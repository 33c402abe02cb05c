package io.twd.tests;

import static io.twd.tests.MemcacheWire.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Memc;
import io.twd.tests.support.Memcached;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.TwdProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * twd side by side with the reference nutcracker 0.5.0, both in front of the same three
 * memcached servers with pools of the same shape (same server names and weights): keys written
 * through one are found through the other for several hashes with ketama and modula, and a raw
 * session of every command twemproxy supports gets the same replies from both.
 */
class MemcacheCompatTest {
    private static final List<String> HASHES = List.of("md5", "fnv1a_64", "fnv1_32", "murmur", "crc32a", "hsieh",
        "one_at_a_time", "jenkins");
    private static final List<String> DISTRIBUTIONS = List.of("ketama", "modula");
    private static final String SESSION_POOL = "session";

    private static Memcached mc1;
    private static Memcached mc2;
    private static Memcached mc3;
    private static Nutcracker nutcracker;
    private static TwdProcess twd;

    static List<String> placementPools() {
        List<String> pools = new ArrayList<>();
        for (String hash : HASHES) {
            for (String distribution : DISTRIBUTIONS) {
                pools.add(hash + "_" + distribution);
            }
        }
        return pools;
    }

    /** The same pools for both proxies; only the listen ports differ. */
    static String config() {
        StringBuilder yaml = new StringBuilder();
        Map<String, String[]> pools = new LinkedHashMap<>();
        for (String hash : HASHES) {
            for (String distribution : DISTRIBUTIONS) {
                pools.put(hash + "_" + distribution, new String[] {hash, distribution});
            }
        }
        pools.put(SESSION_POOL, new String[] {"fnv1a_64", "ketama"});
        for (Map.Entry<String, String[]> p : pools.entrySet()) {
            yaml.append(p.getKey()).append(":\n")
                .append("  listen: 127.0.0.1:").append(FreePorts.allocate()).append('\n')
                .append("  hash: ").append(p.getValue()[0]).append('\n')
                .append("  distribution: ").append(p.getValue()[1]).append('\n')
                .append("  timeout: 2000\n")
                .append("  servers:\n")
                .append("   - ").append(mc1.serverLine(1, "mc1")).append('\n')
                .append("   - ").append(mc2.serverLine(2, "mc2")).append('\n')
                .append("   - ").append(mc3.serverLine(1, "mc3")).append('\n');
        }
        return yaml.toString();
    }

    @BeforeAll
    static void start() {
        mc1 = Memcached.start();
        mc2 = Memcached.start();
        mc3 = Memcached.start();
        nutcracker = Nutcracker.start(config());
        twd = TwdProcess.start(config());
    }

    @AfterAll
    static void stop() {
        List<String> leaks = twd == null ? List.of() : twd.leakReports();
        for (AutoCloseable c : new AutoCloseable[] {twd, nutcracker, mc1, mc2, mc3}) {
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

    @Test
    void keysWrittenThroughOneProxyAreFoundThroughTheOther() {
        for (String pool : placementPools()) {
            check(pool, nutcracker, twd);
            check(pool, twd, nutcracker);
        }
    }

    private static void check(String pool, ProxyProcess writer, ProxyProcess reader) {
        String prefix = writer.process().name() + ":" + pool + ":";
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(prefix + i);
        }
        try (Memc w = writer.memcache(pool)) {
            for (String k : keys) {
                assertEquals("STORED", w.set(k, "v-" + k), pool + " " + k);
            }
        }
        int[] perServer = new int[3];
        Memcached[] servers = {mc1, mc2, mc3};
        for (int s = 0; s < 3; s++) {
            try (Memc direct = servers[s].client()) {
                perServer[s] = direct.get(keys.toArray(new String[0])).size();
            }
        }
        assertEquals(keys.size(), perServer[0] + perServer[1] + perServer[2], pool);
        int used = (perServer[0] > 0 ? 1 : 0) + (perServer[1] > 0 ? 1 : 0) + (perServer[2] > 0 ? 1 : 0);
        assertTrue(used >= 2, pool + " uses more than one server: " + java.util.Arrays.toString(perServer));
        try (Memc r = reader.memcache(pool)) {
            Map<String, String> all = r.get(keys.toArray(new String[0]));
            assertEquals(keys, new ArrayList<>(all.keySet()), pool + ": every key, in key order, through " + reader);
            for (String k : keys) {
                assertEquals("v-" + k, all.get(k));
            }
            for (String k : keys.subList(0, 20)) {
                assertEquals(Map.of(k, "v-" + k), r.get(k), pool + " " + k);
            }
        }
    }

    /** Every command twemproxy supports; {cas} is the cas unique from the reply just before. */
    private static List<String> session() {
        List<String> s = new ArrayList<>(List.of(
            store("set", "s:a", 0, "1", false),
            "get s:a\r\n",
            "get s:a s:b s:c s:d s:e s:f s:g s:h\r\n",
            store("set", "s:b", 5, "bee", false),
            store("set", "s:e", 9, "e\r\nE", false),
            store("add", "s:a", 0, "x", false),
            store("add", "s:c", 3, "sea", false),
            store("replace", "s:missing", 0, "x", false),
            store("replace", "s:b", 6, "b2", false),
            store("append", "s:a", 0, ">", false),
            store("prepend", "s:a", 0, "<", false),
            store("append", "s:missing", 0, ">", false),
            "get s:a s:b s:c s:d s:e s:f s:g s:h\r\n",
            "gets s:a\r\n",
            "cas s:a 0 0 1 {cas}\r\nZ\r\n",
            "gets s:a s:b s:c\r\n",
            "cas s:a 0 0 1 {cas}\r\nY\r\n",
            "cas s:a 0 0 1 1\r\nX\r\n",
            "cas s:missing 0 0 1 1\r\nX\r\n",
            "incr s:n 1\r\n",
            store("set", "s:n", 0, "10", false),
            "incr s:n 5\r\n",
            "decr s:n 3\r\n",
            "decr s:n 100\r\n",
            "incr s:n 18446744073709551615\r\n",
            "incr s:a 1\r\n",
            "touch s:a 100\r\n",
            "touch s:missing 100\r\n",
            "delete s:c\r\n",
            "delete s:c\r\n",
            store("set", "s:d", 1, "dd", true),
            store("add", "s:f", 2, "ff", true),
            store("replace", "s:b", 3, "b3", true),
            store("append", "s:d", 0, "+", true),
            store("prepend", "s:d", 0, "-", true),
            "incr s:n 7 noreply\r\n",
            "decr s:n 2 noreply\r\n",
            "touch s:d 50 noreply\r\n",
            "delete s:e noreply\r\n",
            "get s:a s:b s:c s:d s:e s:f s:n\r\n",
            "gets s:d\r\n",
            "cas s:d 0 0 2 {cas} noreply\r\nCD\r\n",
            "get s:d\r\n"));
        for (int i = 0; i < 20; i++) {
            s.add(store("set", "s:many:" + i, i, "value " + i, false));
        }
        StringBuilder many = new StringBuilder("get");
        for (int i = 19; i >= 0; i -= 1) {
            many.append(" s:many:").append(i).append(" s:none:").append(i);
        }
        s.add(many + "\r\n");
        s.add("version\r\n");
        return s;
    }

    private static List<String> run(ProxyProcess proxy) {
        for (Memcached m : new Memcached[] {mc1, mc2, mc3}) {
            try (Memc direct = m.client()) {
                assertEquals("OK", direct.call("flush_all"));
            }
        }
        List<String> transcript = new ArrayList<>();
        try (Memc c = proxy.memcache(SESSION_POOL)) {
            String previous = "";
            for (String template : session()) {
                String request = template;
                if (request.contains("{cas}")) {
                    String cas = previous.split("\r\n")[0].split(" ")[4];
                    request = request.replace("{cas}", cas);
                }
                c.sendRaw(request.getBytes(StandardCharsets.ISO_8859_1));
                previous = MemcacheWire.read(c, MemcacheWire.kindOf(request));
                transcript.add(template.split("\r\n")[0] + " => " + MemcacheWire.maskCas(previous));
            }
            c.send("quit");
            assertTrue(c.isClosedByPeer(), "quit closes the connection");
        }
        return transcript;
    }

    @Test
    void aRawSessionGetsTheSameRepliesAsFromNutcracker() {
        List<String> expected = run(nutcracker);
        List<String> actual = run(twd);
        assertEquals(String.join("\n", expected), String.join("\n", actual));
    }

    @Test
    void theSameSessionPipelinedInOneWrite() {
        List<String> requests = new ArrayList<>();
        for (String r : session()) {
            if (!r.contains("{cas}")) {
                requests.add(r);
            }
        }
        assertEquals(pipelined(nutcracker, requests), pipelined(twd, requests));
    }

    private static List<String> pipelined(ProxyProcess proxy, List<String> requests) {
        for (Memcached m : new Memcached[] {mc1, mc2, mc3}) {
            try (Memc direct = m.client()) {
                assertEquals("OK", direct.call("flush_all"));
            }
        }
        try (Memc c = proxy.memcache(SESSION_POOL)) {
            List<String> replies = new ArrayList<>();
            for (String reply : MemcacheWire.pipelined(c, requests)) {
                replies.add(MemcacheWire.maskCas(reply));
            }
            return replies;
        }
    }
}
