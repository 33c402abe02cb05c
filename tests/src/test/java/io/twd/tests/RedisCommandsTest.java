package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.ProxyProcess;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.TwdProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis commands through twd give the same replies as through nutcracker 0.5.0.
 *
 * <ul>
 *   <li>pool {@code one}: a single server, shared by both proxies and used by one at a time
 *       (FLUSHALL and SCRIPT FLUSH in between), so even replies whose order depends on the
 *       redis process (COMMAND, SMEMBERS of a hashtable set) must be byte-identical;</li>
 *   <li>pool {@code many}: md5/ketama over four servers, a separate set of backends per proxy
 *       with the same names, so multi-key commands are split the same way by both.</li>
 * </ul>
 */
class RedisCommandsTest {
    private static final String[] NAMES = {"s1", "s2", "s3", "s4"};
    private static RedisServer shared;
    private static final List<RedisServer> refMany = new ArrayList<>();
    private static final List<RedisServer> twdMany = new ArrayList<>();
    private static Nutcracker ref;
    private static TwdProcess twd;

    @BeforeAll
    static void start() {
        shared = RedisServer.start();
        for (int i = 0; i < NAMES.length; i++) {
            refMany.add(RedisServer.start());
            twdMany.add(RedisServer.start());
        }
        ref = Nutcracker.start(config(refMany), "-i", "100");
        twd = TwdProcess.start(config(twdMany));
    }

    @AfterAll
    static void stop() {
        List<String> leaks = twd.leakReports();
        twd.stop();
        ref.stop();
        shared.stop();
        for (RedisServer r : refMany) r.stop();
        for (RedisServer r : twdMany) r.stop();
        assertTrue(leaks.isEmpty(), "buffer leaks: " + leaks);
    }

    static String config(List<RedisServer> many) {
        StringBuilder y = new StringBuilder();
        y.append("one:\n  listen: 127.0.0.1:").append(FreePorts.allocate()).append("\n  redis: true\n  timeout: 5000\n");
        y.append("  servers:\n   - ").append(shared.serverLine(1, "only")).append('\n');
        y.append("many:\n  listen: 127.0.0.1:").append(FreePorts.allocate()).append("\n  redis: true\n  hash: md5\n");
        y.append("  distribution: ketama\n  timeout: 5000\n  servers:\n");
        for (int i = 0; i < NAMES.length; i++) y.append("   - ").append(many.get(i).serverLine(1, NAMES[i])).append('\n');
        return y.toString();
    }

    // ------------------------------------------------------------------ single server: every class

    private static final String SCRIPT_GET = "return redis.call('get', KEYS[1])";
    private static final String SCRIPT_KEYS = "return {KEYS[1], KEYS[2], ARGV[1], redis.call('incrby', KEYS[1], ARGV[1])}";

    /** Every command class of twemproxy's table, as one sequence; each step's raw reply is recorded. */
    private static List<String[]> sequence() {
        List<String[]> s = new ArrayList<>();
        // strings
        add(s, "SET s1 hello", "GET s1", "APPEND s1 _world", "STRLEN s1", "GETRANGE s1 0 4", "SETRANGE s1 6 WORLD",
                "GETSET s1 new", "GETDEL s1", "GET s1", "SET n 10", "INCR n", "INCRBY n 5", "DECR n", "DECRBY n 3",
                "INCRBYFLOAT n 1.5", "SETNX n 1", "SETNX fresh 1", "SETEX sx 1000 v", "PSETEX px 1000000 v",
                "SETBIT b 7 1", "GETBIT b 7", "BITCOUNT b", "BITPOS b 1", "BITFIELD bf INCRBY u8 0 200",
                "GETEX sx PERSIST", "TTL sx", "SET s3 v NX", "SET s3 w XX GET", "SET s4 v EX 1000", "TTL s4",
                "MSET a 1 b 2 c 3", "MGET a b missing c a", "INCR s3");
        // keys
        add(s, "EXISTS a", "EXISTS a b missing a", "TYPE a", "TYPE missing", "EXPIRE a 1000", "TTL a",
                "PEXPIRE a 1000000", "PERSIST a", "PTTL a", "EXPIREAT a 4102444800", "PEXPIREAT a 4102444800000",
                "PERSIST a", "TTL missing", "DEL a b missing", "UNLINK c", "TOUCH n missing fresh",
                "RPUSH nums 3 1 2", "SORT nums", "SORT nums DESC LIMIT 0 2", "RPUSH words pear apple fig",
                "SORT words ALPHA", "SORT words ALPHA STORE sorted", "LRANGE sorted 0 -1", "COPY n ncopy",
                "GET ncopy", "COPY n ncopy");
        // hashes
        add(s, "HSET h f1 v1 f2 v2", "HGET h f1", "HMGET h f1 nope f2", "HMSET h f3 v3", "HGETALL h", "HKEYS h",
                "HVALS h", "HLEN h", "HEXISTS h f1", "HEXISTS h nope", "HSTRLEN h f1", "HINCRBY h c 5",
                "HINCRBYFLOAT h fl 2.5", "HSETNX h f1 x", "HSETNX h f9 x", "HDEL h f2 nope", "HSCAN h 0",
                "HSET h1 only v", "HRANDFIELD h1", "HRANDFIELD h1 1 WITHVALUES", "HRANDFIELD missing");
        // lists
        add(s, "RPUSH l a b c", "LPUSH l z", "LRANGE l 0 -1", "LLEN l", "LINDEX l 1", "LINSERT l BEFORE b x",
                "LSET l 0 y", "LREM l 1 x", "LPOS l c", "LTRIM l 0 10", "LPOP l", "RPOP l 2", "RPUSHX l q",
                "LPUSHX nolist q", "RPUSH l m n", "RPOPLPUSH l l2", "LMOVE l l2 LEFT RIGHT", "LRANGE l2 0 -1",
                "LPOP nolist");
        // sets
        add(s, "SADD st a b c d", "SCARD st", "SISMEMBER st a", "SMISMEMBER st a zz", "SMEMBERS st", "SREM st d zz",
                "SADD st2 b c e", "SDIFF st st2", "SINTER st st2", "SUNION st st2", "SDIFFSTORE d1 st st2",
                "SINTERSTORE d2 st st2", "SUNIONSTORE d3 st st2", "SMOVE st st2 a", "SSCAN st2 0",
                "SADD one x", "SPOP one", "SADD one y", "SRANDMEMBER one", "SRANDMEMBER one 3", "SMEMBERS d3",
                "SADD ints 5 3 9 1", "SMEMBERS ints");
        // sorted sets
        add(s, "ZADD z 1 a 2 b 3 c", "ZCARD z", "ZCOUNT z 1 2", "ZINCRBY z 5 a", "ZSCORE z a", "ZMSCORE z a nope b",
                "ZRANK z b", "ZREVRANK z b", "ZRANGE z 0 -1 WITHSCORES", "ZRANGEBYSCORE z 2 10", "ZREVRANGE z 0 1",
                "ZREVRANGEBYSCORE z 10 2 WITHSCORES", "ZADD lex 0 a 0 b 0 c 0 d", "ZRANGEBYLEX lex [b +",
                "ZREVRANGEBYLEX lex + [b", "ZLEXCOUNT lex - +", "ZADD z2 1 b 7 x", "ZUNIONSTORE zu 2 z z2",
                "ZINTERSTORE zi 2 z z2 WEIGHTS 1 2", "ZDIFFSTORE zd 2 z z2", "ZUNION 2 z z2 WITHSCORES",
                "ZINTER 2 z z2", "ZDIFF 2 z z2", "ZRANGESTORE zr z 0 1", "ZRANGE zr 0 -1", "ZSCAN z 0",
                "ZPOPMIN z", "ZPOPMAX z", "ZREM z b nope", "ZREMRANGEBYRANK zu 0 0", "ZREMRANGEBYSCORE zu 0 1",
                "ZREMRANGEBYLEX lex [a [b", "ZADD z1 4 only", "ZRANDMEMBER z1", "ZRANDMEMBER z1 1 WITHSCORES");
        // hyperloglog
        add(s, "PFADD hll a b c", "PFADD hll a", "PFCOUNT hll", "PFADD hll2 d e", "PFMERGE hll3 hll hll2",
                "PFCOUNT hll3", "PFCOUNT hll hll2");
        // geo
        add(s, "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEODIST g Palermo Catania km",
                "GEOHASH g Palermo Catania nowhere", "GEOPOS g Palermo nowhere", "GEORADIUS g 15 37 200 km ASC",
                "GEORADIUSBYMEMBER g Palermo 300 km WITHDIST ASC", "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC",
                "GEOSEARCHSTORE g2 g FROMMEMBER Palermo BYRADIUS 300 km", "ZRANGE g2 0 -1");
        // scripting: routed by the first key
        s.add(new String[] {"EVAL", SCRIPT_GET, "1", "n"});
        s.add(new String[] {"EVALSHA", sha1(SCRIPT_GET), "1", "n"});
        s.add(new String[] {"EVAL", SCRIPT_KEYS, "2", "counter", "other", "7"});
        s.add(new String[] {"EVALSHA", sha1(SCRIPT_KEYS), "2", "counter", "other", "3"});
        s.add(new String[] {"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "1", "n"});
        s.add(new String[] {"EVAL", "return redis.call('lpush', KEYS[1], 'x')", "1", "s3"});
        // errors that come from redis itself pass through untouched
        add(s, "LPUSH n x", "INCR h", "SET s1 v EX notanumber", "HGET h f1");
        // no key: the server of "placeholder" (the only one here); PING is the proxy's own
        add(s, "COMMAND", "PING");
        return s;
    }

    private static void add(List<String[]> s, String... commands) {
        for (String c : commands) s.add(c.split(" "));
    }

    private static List<String> run(ProxyProcess proxy, String pool, List<String[]> commands) {
        List<String> replies = new ArrayList<>();
        try (Resp c = proxy.redis(pool)) {
            for (String[] cmd : commands) {
                try {
                    replies.add(printable(c.send(cmd).readRawReply()));
                } catch (RuntimeException e) {
                    fail(proxy + ": " + String.join(" ", cmd) + " failed: " + e + "\n" + proxy.logTail());
                }
            }
            // DUMP's payload is binary: RESTORE it as the client got it.
            c.send("SET", "dumped", "payload");
            c.read();
            c.send("DUMP", "dumped");
            byte[] dump = c.readBulkBytes();
            c.send("RESTORE".getBytes(StandardCharsets.UTF_8), "restored".getBytes(StandardCharsets.UTF_8),
                    "0".getBytes(StandardCharsets.UTF_8), dump);
            replies.add("DUMP/RESTORE " + printable(c.readRawReply()));
            replies.add("restored " + printable(c.send("GET", "restored").readRawReply()));
        }
        return replies;
    }

    private static void resetShared() {
        try (Resp direct = shared.client()) {
            assertEquals("OK", direct.call("FLUSHALL"));
            assertEquals("OK", direct.call("SCRIPT", "FLUSH"));
        }
    }

    @Test
    void everyCommandClassAnswersAsThroughNutcracker() {
        List<String[]> commands = sequence();
        resetShared();
        List<String> want = run(ref, "one", commands);
        resetShared();
        List<String> got = run(twd, "one", commands);
        resetShared();
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < want.size(); i++) {
            boolean same = want.get(i).equals(got.get(i));
            if (!same && i < commands.size() && commands.get(i)[0].equals("COMMAND")) {
                // redis walks its command tables in dict order, which moves as the dicts rehash
                // (lookups advance a rehash): compare the reply's lines as a multiset.
                same = sortedLines(want.get(i)).equals(sortedLines(got.get(i)));
            }
            if (!same) {
                String label = i < commands.size() ? String.join(" ", commands.get(i)) : "#" + i;
                diffs.add(label + "\n    nutcracker: " + cut(want.get(i)) + "\n    twd:        " + cut(got.get(i)));
            }
        }
        assertTrue(diffs.isEmpty(), diffs.size() + " replies differ:\n" + String.join("\n", diffs));
        // The sequence must really exercise redis: a few spot checks that nothing was silently empty.
        assertTrue(got.get(0).equals("+OK\\r\\n"), got.get(0));
        assertTrue(got.stream().anyMatch(r -> r.startsWith("-WRONGTYPE")), "WRONGTYPE passes through");
        assertTrue(got.get(commands.size() - 2).length() > 10_000, "COMMAND returns redis's table");
    }

    @Test
    void lolwutGoesToTheBackend() {
        for (ProxyProcess p : List.of(ref, twd)) {
            try (Resp c = p.redis("one")) {
                Object reply = c.call("LOLWUT");
                assertTrue(reply instanceof String s && s.contains("Redis ver."), p + ": " + reply);
            }
        }
    }

    // ------------------------------------------------------------------ multi-key across servers

    @Test
    void multiKeyCommandsAcrossServersMatchNutcrackerAndRedis() {
        List<String[]> commands = new ArrayList<>();
        List<String> mset = new ArrayList<>(List.of("MSET"));
        for (int i = 0; i < 20; i++) {
            mset.add("mk:" + i);
            mset.add("value-" + i);
        }
        commands.add(mset.toArray(String[]::new));
        commands.add("MGET mk:0 mk:1 mk:2 mk:3 mk:4 mk:5 mk:6 mk:7 mk:8 mk:9".split(" "));
        commands.add("MGET mk:9 missing:1 mk:3 mk:3 missing:2 mk:0 mk:9".split(" "));
        commands.add("MGET missing:1 missing:2 missing:3".split(" "));
        commands.add("MGET mk:5".split(" "));
        commands.add("MSET mk:0 again mk:1 again mk:0 last".split(" "));
        commands.add("MGET mk:0 mk:1".split(" "));
        commands.add("TOUCH mk:0 mk:1 mk:2 missing:1 mk:0".split(" "));
        commands.add("DEL mk:0 mk:1 mk:1 missing:1 mk:2".split(" "));
        commands.add("UNLINK mk:3 mk:4 missing:2 mk:5 mk:6".split(" "));
        commands.add("MGET mk:0 mk:1 mk:2 mk:3 mk:7".split(" "));
        commands.add("DEL missing:1 missing:2".split(" "));
        commands.add("SET mk:list x".split(" "));
        commands.add("LPUSH mk:list2 x".split(" "));
        commands.add("MGET mk:list mk:list2 mk:7".split(" "));

        List<String> want = new ArrayList<>();
        List<String> got = new ArrayList<>();
        try (Resp a = ref.redis("many"); Resp b = twd.redis("many")) {
            for (String[] cmd : commands) {
                want.add(printable(a.send(cmd).readRawReply()));
                got.add(printable(b.send(cmd).readRawReply()));
            }
        }
        for (int i = 0; i < commands.size(); i++) {
            assertEquals(want.get(i), got.get(i), String.join(" ", commands.get(i)));
        }
        // And the merged results are what one redis would say, in key order.
        try (Resp c = twd.redis("many")) {
            assertEquals(Arrays.asList("value-9", null, "value-8", "value-8", null, null, "value-9"),
                    c.call("MGET", "mk:9", "missing:1", "mk:8", "mk:8", "missing:2", "mk:0", "mk:9"));
            // The keys really are spread: every server holds some of mk:*.
            int used = 0;
            for (RedisServer r : twdMany) {
                try (Resp d = r.client()) {
                    if (!((List<?>) d.call("KEYS", "mk:*")).isEmpty()) used++;
                }
            }
            assertTrue(used >= 3, "md5 should spread mk:0..19 over the servers, used " + used);

            // EXISTS: twd splits it and sums (nutcracker asks only the first key's server).
            assertEquals("OK", c.call("MSET", "ex:1", "a", "ex:2", "b", "ex:3", "c", "ex:4", "d"));
            assertEquals(6L, c.call("EXISTS", "ex:1", "ex:2", "ex:3", "ex:4", "ex:1", "missing", "ex:4"));
            assertEquals(0L, c.call("EXISTS", "missing:1", "missing:2"));
            assertEquals(4L, c.call("DEL", "ex:1", "ex:2", "ex:3", "ex:4"));
        }
        assertTrue(twd.stats().poolMetric("many", "fragments") > 0, "fragments counts sub-requests: " + twd.stats().raw());
    }

    @Test
    void aWideMgetAcrossServersKeepsKeyOrder() {
        int n = 5000;
        List<String> mset = new ArrayList<>(List.of("MSET"));
        List<String> mget = new ArrayList<>(List.of("MGET"));
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            mset.add("wide:" + i);
            mset.add("w" + i);
        }
        for (int i = n + 100; i >= 0; i -= 3) { // reversed, with keys past the end (missing)
            mget.add("wide:" + i);
            expected.add(i < n ? "w" + i : null);
        }
        List<String> del = new ArrayList<>(List.of("DEL"));
        for (int i = 0; i < n; i++) del.add("wide:" + i);
        try (Resp c = twd.redis("many")) {
            assertEquals("OK", c.call(mset.toArray(String[]::new)));
            assertEquals(expected, c.call(mget.toArray(String[]::new)));
            assertEquals((long) n, c.call(del.toArray(String[]::new)));
        }
    }

    // ------------------------------------------------------------------ pipelining, sizes, binary

    @Test
    void aThousandPipelinedMixedCommandsAnswerInOrder() {
        List<String[]> commands = new ArrayList<>();
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String k = "pipe:" + i;
            commands.add(new String[] {"SET", k, "v" + i});
            expected.add("OK");
            commands.add(new String[] {"GET", k});
            expected.add("v" + i);
            commands.add(new String[] {"INCR", "pipe:counter:" + (i % 7)});
            expected.add((long) (i / 7 + 1));
            commands.add(new String[] {"MGET", k, "pipe:missing", i > 0 ? "pipe:" + (i - 1) : k});
            expected.add(Arrays.asList("v" + i, null, i > 0 ? "v" + (i - 1) : "v" + i));
            commands.add(i % 2 == 0 ? new String[] {"PING"} : new String[] {"GET", k, "extra"});
            expected.add(i % 2 == 0 ? "PONG" : new Resp.Error("ERR wrong number of arguments for 'get' command"));
        }
        assertEquals(1000, commands.size());
        try (Resp c = twd.redis("many")) {
            List<Object> replies = c.pipeline(commands);
            for (int i = 0; i < commands.size(); i++) {
                assertEquals(expected.get(i), replies.get(i), "reply #" + i + " to " + String.join(" ", commands.get(i)));
            }
            List<String> del = new ArrayList<>(List.of("DEL"));
            commands.stream().filter(x -> x[0].equals("SET")).forEach(x -> del.add(x[1]));
            assertEquals(200L, c.call(del.toArray(String[]::new)));
        }
    }

    @Test
    void largeValuesRoundTrip() {
        Random random = new Random(42);
        byte[] oneMb = new byte[1 << 20];
        byte[] eightMb = new byte[8 << 20];
        random.nextBytes(oneMb);
        random.nextBytes(eightMb);
        try (Resp c = twd.redis("many")) {
            c.send(b("SET"), b("big:1"), oneMb);
            assertEquals("OK", c.read());
            c.send(b("SET"), b("big:8"), eightMb);
            assertEquals("OK", c.read());
            c.send("GET", "big:1");
            assertArrayEquals(oneMb, c.readBulkBytes());
            c.send("GET", "big:8");
            assertArrayEquals(eightMb, c.readBulkBytes());
            // Both in one MGET (across servers when they are placed apart), and in one pipeline.
            c.sendRaw(concat(Resp.encode("MGET", "big:8", "big:1", "big:none"), Resp.encode("GET", "big:1")));
            @SuppressWarnings("unchecked")
            List<Object> both = (List<Object>) c.readBinary();
            assertArrayEquals(eightMb, (byte[]) both.get(0));
            assertArrayEquals(oneMb, (byte[]) both.get(1));
            assertNull(both.get(2));
            assertArrayEquals(oneMb, c.readBulkBytes());
            assertEquals(2L, c.call("DEL", "big:1", "big:8"));
        }
    }

    @Test
    void keysAndValuesAreBinarySafe() {
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) value[i] = (byte) i;
        byte[][] keys = {
            {0, 1, 2, '\r', '\n', (byte) 0xff},
            "$5\r\n*1\r\n".getBytes(StandardCharsets.US_ASCII),
            "ключ €".getBytes(StandardCharsets.UTF_8),
            {(byte) 0x80, (byte) 0xfe, ' ', '{', '}'},
        };
        try (Resp c = twd.redis("many")) {
            for (byte[] k : keys) {
                c.send(b("SET"), k, value);
                assertEquals("OK", c.read());
            }
            for (byte[] k : keys) {
                c.send(b("GET"), k);
                assertArrayEquals(value, c.readBulkBytes(), HexFormat.of().formatHex(k));
            }
            c.send(b("MGET"), keys[0], keys[1], keys[2], keys[3]);
            @SuppressWarnings("unchecked")
            List<Object> all = (List<Object>) c.readBinary();
            for (Object v : all) assertArrayEquals(value, (byte[]) v);
            // The backends hold exactly those keys and bytes.
            int found = 0;
            for (RedisServer r : twdMany) {
                try (Resp d = r.client()) {
                    for (byte[] k : keys) {
                        d.send(b("GET"), k);
                        byte[] v = d.readBulkBytes();
                        if (v != null) {
                            assertArrayEquals(value, v);
                            found++;
                        }
                    }
                }
            }
            assertEquals(keys.length, found);
            c.send(b("DEL"), keys[0], keys[1], keys[2], keys[3]);
            assertEquals(4L, c.read());
            assertFalse(c.isClosedByPeer(Duration.ofMillis(50)));
        }
    }

    @Test
    void requestsSplitAcrossManyWritesAreReassembled() {
        byte[] cmd = concat(Resp.encode("SET", "split:key", "x".repeat(1000)), Resp.encode("MGET", "split:key", "mk:none"));
        try (Resp c = twd.redis("many")) {
            for (byte b : cmd) {
                c.sendRaw(new byte[] {b});
            }
            assertEquals("OK", c.read());
            assertEquals(Arrays.asList("x".repeat(1000), null), c.read());
            assertEquals(1L, c.call("DEL", "split:key"));
        }
    }

    /**
     * Clients that leave with requests, fragments and large replies still in flight leak no
     * buffer (the daemon runs with paranoid leak detection; a GC makes the detector look).
     */
    @Test
    void clientsThatVanishMidRequestLeakNothing() throws Exception {
        String big = "b".repeat(200_000);
        for (int i = 0; i < 20; i++) {
            try (Resp c = twd.redis("many")) {
                List<String> mset = new ArrayList<>(List.of("MSET"));
                List<String> mget = new ArrayList<>(List.of("MGET"));
                for (int k = 0; k < 8; k++) {
                    mset.add("vanish:" + k);
                    mset.add(big);
                    mget.add("vanish:" + k);
                }
                c.sendRaw(concat(Resp.encode(mset.toArray(String[]::new)), Resp.encode(mget.toArray(String[]::new)),
                        Resp.encode("GET", "vanish:1"), Resp.encode("DEL", "vanish:1", "vanish:2", "vanish:5")));
                if (i % 2 == 0) c.sendRaw("*2\r\n$3\r\nGET\r\n$100\r\npartial"); // and half a request
            } // closed without reading a reply
        }
        Thread.sleep(500);
        twd.gc();
        try (Resp c = twd.redis("many")) {
            for (int i = 0; i < 300; i++) assertEquals("OK", c.call("SET", "after:" + (i % 10), "v" + i));
        }
        twd.gc();
        try (Resp c = twd.redis("many")) {
            for (int i = 0; i < 300; i++) c.call("GET", "after:" + (i % 10));
        }
        assertTrue(twd.leakReports().isEmpty(), "buffer leaks: " + twd.leakReports());
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b(script)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A raw reply with CR, LF and non-printable bytes escaped, for readable diffs. */
    private static String printable(byte[] raw) {
        StringBuilder sb = new StringBuilder(raw.length + 16);
        for (byte x : raw) {
            if (x == '\r') sb.append("\\r");
            else if (x == '\n') sb.append("\\n");
            else if (x >= 0x20 && x < 0x7f && x != '\\') sb.append((char) x);
            else sb.append(String.format("\\x%02x", x & 0xff));
        }
        return sb.toString();
    }

    private static List<String> sortedLines(String printableReply) {
        List<String> lines = new ArrayList<>(List.of(printableReply.split("\\\\r\\\\n")));
        lines.sort(null);
        return lines;
    }

    private static String cut(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "... (" + s.length() + " chars)" : s;
    }
}
