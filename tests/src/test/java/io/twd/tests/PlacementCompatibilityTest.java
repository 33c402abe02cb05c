package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.twd.protocol.config.HashType;
import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The headline compatibility proof: for every hash twemproxy offers, under ketama and modula,
 * twd puts every key on the same-named server as the real nutcracker 0.5.0 does.
 *
 * <p>nutcracker and twd run the same config shape over two separate sets of four redis
 * backends (same server names and weights, different addresses). Every case is one pool of a
 * single config, each pool writing into its own redis database ({@code redis_db}), so one
 * start of each proxy covers the whole matrix. The same keys are written through both, then
 * each backend is asked directly which keys it holds.
 */
class PlacementCompatibilityTest {
    /** Server names and weights, written in neither name order nor weight order. */
    private static final String[] NAMES = {"gamma", "alpha", "d", "beta"};
    private static final int[] WEIGHTS = {3, 1, 2, 1};
    private static final int KEYS = 300;

    private static final List<RedisServer> refBackends = new ArrayList<>();
    private static final List<RedisServer> twdBackends = new ArrayList<>();
    private static final List<byte[]> keys = keys();

    @BeforeAll
    static void startBackends() {
        for (int i = 0; i < NAMES.length; i++) {
            refBackends.add(RedisServer.start("--databases", "32"));
            twdBackends.add(RedisServer.start("--databases", "32"));
        }
    }

    @AfterAll
    static void stopBackends() {
        for (RedisServer r : refBackends) r.stop();
        for (RedisServer r : twdBackends) r.stop();
    }

    /** One pool of the matrix: its name, the directives that differ, and its redis database. */
    private record Case(String pool, List<String> directives, int db) {}

    private static List<Case> matrix() {
        List<Case> cases = new ArrayList<>();
        int db = 0;
        for (HashType h : HashType.values()) {
            for (String dist : List.of("ketama", "modula")) {
                cases.add(new Case(h.configName() + "_" + dist,
                        List.of("hash: " + h.configName(), "distribution: " + dist, "hash_tag: \"{}\""), db++));
            }
        }
        // No hash, distribution or hash_tag: the defaults (fnv1a_64, ketama, whole key) must agree too.
        cases.add(new Case("defaults", List.of(), db++));
        // A different tag pair.
        cases.add(new Case("md5_tag_colon", List.of("hash: md5", "hash_tag: \"::\""), db));
        return cases;
    }

    private static String config(List<Case> cases, List<RedisServer> backends, String extraPool) {
        StringBuilder y = new StringBuilder();
        for (Case c : cases) {
            y.append(c.pool()).append(":\n");
            y.append("  listen: 127.0.0.1:").append(FreePorts.allocate()).append('\n');
            y.append("  redis: true\n");
            for (String d : c.directives()) y.append("  ").append(d).append('\n');
            if (c.db() > 0) y.append("  redis_db: ").append(c.db()).append('\n');
            y.append("  servers:\n");
            for (int i = 0; i < NAMES.length; i++) {
                y.append("   - ").append(backends.get(i).serverLine(WEIGHTS[i], NAMES[i])).append('\n');
            }
        }
        y.append(extraPool);
        return y.toString();
    }

    @Test
    void everyHashAndDistributionPlacesKeysOnTheSameNamedServerAsNutcracker() {
        List<Case> cases = matrix();
        int randomDb = cases.size();
        String randomPool = "random:\n  listen: 127.0.0.1:%d\n  redis: true\n  hash: md5\n  distribution: random\n"
                + "  redis_db: " + randomDb + "\n  servers:\n";
        StringBuilder twdRandom = new StringBuilder(String.format(randomPool, FreePorts.allocate()));
        for (int i = 0; i < NAMES.length; i++) {
            twdRandom.append("   - ").append(twdBackends.get(i).serverLine(WEIGHTS[i], NAMES[i])).append('\n');
        }

        for (RedisServer r : refBackends) flushAll(r);
        for (RedisServer r : twdBackends) flushAll(r);
        Map<String, Map<String, String>> reference;
        try (Nutcracker ref = Nutcracker.start(config(cases, refBackends, ""))) {
            for (Case c : cases) writeKeys(ref, c.pool());
            reference = placements(cases, refBackends);
        }
        Map<String, Map<String, String>> actual;
        try (TwdProcess twd = TwdProcess.start(config(cases, twdBackends, twdRandom.toString()))) {
            for (Case c : cases) writeKeys(twd, c.pool());
            writeKeys(twd, "random");
            actual = placements(cases, twdBackends);

            // random: no placement to compare, but every key is stored once and every server is used.
            Map<String, String> random = placement(randomDb, twdBackends);
            assertEquals(keys.size(), random.size(), "random: every key stored exactly once");
            for (String name : NAMES) {
                assertTrue(random.containsValue(name), "random distribution never used server " + name + ": " + counts(random));
            }
            assertTrue(twd.leakReports().isEmpty(), "buffer leaks: " + twd.leakReports());
        }

        List<String> mismatches = new ArrayList<>();
        for (Case c : cases) {
            Map<String, String> want = reference.get(c.pool());
            Map<String, String> got = actual.get(c.pool());
            assertEquals(keys.size(), want.size(), c.pool() + ": nutcracker stored every key exactly once");
            assertEquals(keys.size(), got.size(), c.pool() + ": twd stored every key exactly once");
            int wrong = 0;
            String example = null;
            for (Map.Entry<String, String> e : want.entrySet()) {
                if (!e.getValue().equals(got.get(e.getKey()))) {
                    wrong++;
                    if (example == null) {
                        example = "key " + shortKey(e.getKey()) + ": nutcracker " + e.getValue() + ", twd " + got.get(e.getKey());
                    }
                }
            }
            if (wrong > 0) mismatches.add(c.pool() + ": " + wrong + " of " + keys.size() + " keys differ, e.g. " + example);
            // A case that put everything on one server would prove little. The one exception is
            // real: twemproxy's crc32 is libmemcached's 15-bit variant, so under ketama (points
            // spread over 32 bits) every key goes to the server owning the lowest points.
            if (counts(want).size() < 2 && !c.pool().equals("crc32_ketama")) {
                mismatches.add(c.pool() + ": nutcracker used only " + counts(want) + ", the keys prove little");
            }
        }
        if (!mismatches.isEmpty()) fail("placement differs from nutcracker:\n" + String.join("\n", mismatches));
    }

    /**
     * Servers without a name are named {@code host:port} (a unix socket {@code path:}): the same
     * backends must be used by both proxies, one after the other, for the names to agree. The two
     * pools share database 0 (nutcracker never sends redis_db's SELECT on a unix socket, whose
     * connect completes at once), so each writes its keys under its own prefix.
     */
    @Test
    void unnamedServersAreNamedByAddressAsNutcrackerNamesThem() {
        Path sock = Path.of(System.getProperty("java.io.tmpdir"), "twd-placement-" + ProcessHandle.current().pid() + ".sock");
        try (RedisServer unix = RedisServer.start("--unixsocket", sock.toString(), "--unixsocketperm", "700")) {
            List<Case> cases = List.of(
                    new Case("unnamed_ketama", List.of("hash: murmur", "distribution: ketama", "hash_tag: \"{}\""), 0),
                    new Case("unnamed_modula", List.of("hash: fnv1a_32", "distribution: modula"), 0));
            String servers = "  servers:\n"
                    + "   - " + refBackends.get(0).serverLine(1, null) + "\n"
                    + "   - " + refBackends.get(1).serverLine(2, null) + "\n"
                    + "   - " + refBackends.get(2).serverLine(1, null) + "\n"
                    + "   - " + sock + ":3\n";
            List<RedisServer> backends = List.of(refBackends.get(0), refBackends.get(1), refBackends.get(2), unix);
            List<String> names = List.of(refBackends.get(0).address(), refBackends.get(1).address(),
                    refBackends.get(2).address(), sock + ":");

            List<Map<String, String>> results = new ArrayList<>();
            for (boolean useTwd : new boolean[] {false, true}) {
                for (RedisServer r : backends) flushAll(r);
                StringBuilder y = new StringBuilder();
                for (Case c : cases) {
                    y.append(c.pool()).append(":\n  listen: 127.0.0.1:").append(FreePorts.allocate()).append("\n  redis: true\n");
                    for (String d : c.directives()) y.append("  ").append(d).append('\n');
                    y.append(servers);
                }
                try (ProxyProcess p = useTwd ? TwdProcess.start(y.toString()) : Nutcracker.start(y.toString())) {
                    if (useTwd) {
                        assertEquals(names.stream().sorted(PlacementCompatibilityTest::nameOrder).toList(),
                                p.stats().servers("unnamed_ketama"), "default names, in twemproxy's name order");
                    }
                    for (Case c : cases) writeKeys(p, c.pool(), c.pool() + "|");
                    results.add(placement(0, backends, names));
                }
            }
            Map<String, String> want = results.get(0);
            Map<String, String> got = results.get(1);
            assertEquals(cases.size() * keys.size(), want.size(), "nutcracker stored every key once");
            for (Case c : cases) {
                String prefix = hex(utf8(c.pool() + "|"));
                Map<String, String> mine = new TreeMap<>();
                want.forEach((k, v) -> {
                    if (k.startsWith(prefix)) mine.put(k, v);
                });
                assertTrue(counts(mine).size() >= 2, c.pool() + " used only " + counts(mine));
            }
            assertEquals(new TreeMap<>(want), new TreeMap<>(got), "placement with unnamed servers differs from nutcracker");
        } finally {
            for (RedisServer r : refBackends) flushAll(r);
        }
    }

    // ------------------------------------------------------------------ keys

    /**
     * Keys chosen to exercise every hash's corners: clustered prefixes, bytes >= 0x80 (which
     * twemproxy's C code sign-extends in several hashes), NUL, the empty key, long keys, and
     * hash tags (whole, empty, unclosed, nested, repeated).
     */
    private static List<byte[]> keys() {
        List<byte[]> k = new ArrayList<>();
        for (int i = 0; i < 60; i++) k.add(utf8("key:" + i));
        for (int i = 0; i < 30; i++) k.add(utf8("user:" + (1000 + i * 37) + ":profile"));
        for (int i = 0; i < 30; i++) k.add(utf8("{user" + (i % 7) + "}:field:" + i));
        for (int i = 0; i < 10; i++) k.add(utf8("prefix{tag" + i + "}suffix"));
        k.add(utf8(""));
        k.add(utf8("x{}y"));
        k.add(utf8("{}"));
        k.add(utf8("{unclosed"));
        k.add(utf8("closed}only"));
        k.add(utf8("a}b{c}d"));
        k.add(utf8("{{nested}}"));
        k.add(utf8("{a}{b}"));
        k.add(utf8("}{"));
        k.add(utf8("with space"));
        k.add(utf8("ключ-юникод-€"));
        k.add(utf8("日本語のキー"));
        k.add(new byte[] {0});
        k.add(new byte[] {(byte) 0xff, (byte) 0x80, 0x7f, 0x00, '\r', '\n'});
        k.add("x".repeat(300).getBytes(StandardCharsets.US_ASCII));
        k.add("y".repeat(4000).getBytes(StandardCharsets.US_ASCII));
        Random random = new Random(20261124);
        while (k.size() < KEYS) {
            byte[] b = new byte[1 + random.nextInt(random.nextInt(8) == 0 ? 200 : 24)];
            random.nextBytes(b);
            if (random.nextBoolean()) {
                for (int i = 0; i < b.length; i++) b[i] = (byte) (' ' + Math.floorMod(b[i], 95)); // printable
            }
            k.add(b);
        }
        return k;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }

    private static String shortKey(String hexKey) {
        byte[] b = HexFormat.of().parseHex(hexKey);
        String s = new String(b, StandardCharsets.UTF_8);
        return (s.length() > 40 ? s.substring(0, 40) + "..." : s) + " (hex " + (hexKey.length() > 40 ? hexKey.substring(0, 40) + "..." : hexKey) + ")";
    }

    /** SET every key (value: its index) through the proxy's pool in one pipelined write; all must be OK. */
    private static void writeKeys(ProxyProcess proxy, String pool) {
        writeKeys(proxy, pool, "");
    }

    private static void writeKeys(ProxyProcess proxy, String pool, String prefix) {
        byte[] p = utf8(prefix);
        try (Resp c = proxy.redis(pool)) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < keys.size(); i++) {
                byte[] key = Arrays.copyOf(p, p.length + keys.get(i).length);
                System.arraycopy(keys.get(i), 0, key, p.length, keys.get(i).length);
                batch.writeBytes(Resp.encode(utf8("SET"), key, utf8("v" + i)));
            }
            c.sendRaw(batch.toByteArray());
            for (int i = 0; i < keys.size(); i++) {
                Object reply = c.read();
                if (!"OK".equals(reply)) {
                    fail(proxy + " pool " + pool + ": SET of key #" + i + " answered " + reply + "\n" + proxy.logTail());
                }
            }
        }
    }

    private static Map<String, Map<String, String>> placements(List<Case> cases, List<RedisServer> backends) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Case c : cases) out.put(c.pool(), placement(c.db(), backends));
        return out;
    }

    private static Map<String, String> placement(int db, List<RedisServer> backends) {
        return placement(db, backends, List.of(NAMES));
    }

    /** Hex of each key in database {@code db} to the name of the backend holding it; a key on two backends fails. */
    private static Map<String, String> placement(int db, List<RedisServer> backends, List<String> names) {
        Map<String, String> where = new LinkedHashMap<>();
        for (int i = 0; i < backends.size(); i++) {
            try (Resp direct = backends.get(i).client()) {
                assertEquals("OK", direct.call("SELECT", Integer.toString(db)));
                direct.send("KEYS", "*");
                @SuppressWarnings("unchecked")
                List<Object> found = (List<Object>) direct.readBinary();
                for (Object key : found) {
                    String previous = where.put(hex((byte[]) key), names.get(i));
                    if (previous != null) fail("key " + shortKey(hex((byte[]) key)) + " is on both " + previous + " and " + names.get(i));
                }
            }
        }
        return where;
    }

    private static Map<String, Integer> counts(Map<String, String> placement) {
        Map<String, Integer> n = new TreeMap<>();
        for (String s : placement.values()) n.merge(s, 1, Integer::sum);
        return n;
    }

    private static void flushAll(RedisServer r) {
        try (Resp direct = r.client()) {
            assertEquals("OK", direct.call("FLUSHALL"));
        }
    }

    /** twemproxy's name order: shorter first, then bytewise. */
    private static int nameOrder(String a, String b) {
        byte[] x = utf8(a);
        byte[] y = utf8(b);
        if (x.length != y.length) return Integer.compare(x.length, y.length);
        return Arrays.compareUnsigned(x, y);
    }
}
