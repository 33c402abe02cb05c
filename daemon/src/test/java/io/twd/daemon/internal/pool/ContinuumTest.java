package io.twd.daemon.internal.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.daemon.internal.hash.KeyHash;
import io.twd.daemon.internal.pool.Continuum.Node;
import io.twd.protocol.config.Distribution;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContinuumTest {

    private static int[] ints(int... values) {
        return values;
    }

    /** Live nodes from alternating name, weight arguments. */
    private static List<Node> nodes(Object... nameWeight) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < nameWeight.length; i += 2) {
            nodes.add(new Node((String) nameWeight[i], (Integer) nameWeight[i + 1], true));
        }
        return nodes;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- ketama

    /** Reference §1.4, from twemproxy's src/test_all.c. */
    @Test
    void ketamaPointHashVectors() {
        assertEquals(3853726576L, KetamaContinuum.pointHash(utf8("server1-8"), 0));
        assertEquals(2667054752L, KetamaContinuum.pointHash(utf8("server1-8"), 3));
    }

    private static final String[] DISPATCH_KEYS = {
        "key0", "key1", "key2", "key3", "key4", "key5", "key6", "key7", "key8", "key9",
        "apple", "foo", "bar", "user:1000", "\u043a\u043b\u044e\u0447", "placeholder",
    };

    private static final long[] DISPATCH_HASHES = {0L, 0xffffffffL, 1410088479L};

    /**
     * One ring built by twemproxy. The expected values come from twemproxy 0.5.0's
     * {@code nc_ketama.c} (and the hashkit), unmodified, compiled with gcc on x86-64 glibc into a
     * throwaway harness that ran {@code ketama_update} on the servers (ejected ones with
     * {@code auto_eject_hosts} and a future {@code next_retry}) and printed the sorted continuum
     * and {@code ketama_dispatch} results.
     *
     * @param fingerprint FNV-1a 64 over the sorted points, each as value then server index,
     *     4 little-endian bytes each: pins every point, its owner and the order of ties
     * @param pointsPerServer number of points of each server
     * @param fnv1a64Dispatch server of each {@link #DISPATCH_KEYS} hashed with fnv1a_64
     * @param md5Dispatch server of each {@link #DISPATCH_KEYS} hashed with md5
     * @param rawDispatch server of each {@link #DISPATCH_HASHES}
     */
    record OracleCase(List<Node> servers, int points, long fingerprint, int[] pointsPerServer,
            int[] fnv1a64Dispatch, int[] md5Dispatch, int[] rawDispatch) {
    }

    /*
     * What the cases cover:
     * - a, b, c, d, e with weights 1, 2, 3, 4, 15: twemproxy's float arithmetic gives 28, 60, 92, 124
     *   points where exact arithmetic would give 32, 64, 96, 128 (1/25 * 40 * 5 is 7.9999995f);
     * - an ejected server (s2) gets no points and does not count in the total weight or nlive;
     * - big/small with weights 100 and 1: small gets 0 points, so never any key;
     * - a 300-byte name: point keys are cut to 272 bytes, so all its 40 groups hash the same string;
     * - a non-ASCII name: the point keys are its UTF-8 bytes;
     * - node-546 and node-699 both have the point 1410088479 (group 28): the tie goes to the lower
     *   server index, as glibc's stable qsort leaves it, in either order.
     */
    private static final OracleCase[] ORACLE = {
            new OracleCase(nodes("server1", 1, "server2", 1, "server3", 1),
                    480, 0xcf339f7468825893L, ints(160, 160, 160),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 2),
                    ints(0, 1, 2, 1, 1, 2, 1, 0, 0, 2, 0, 1, 2, 1, 2, 0),
                    ints(2, 2, 2)),
            new OracleCase(nodes("127.0.0.1:6379", 1, "127.0.0.1:6380", 1, "127.0.0.1:6381", 1, "127.0.0.1:6382", 1),
                    640, 0xd8a168d677343f9bL, ints(160, 160, 160, 160),
                    ints(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 0, 3, 1, 1),
                    ints(0, 2, 1, 0, 1, 2, 0, 2, 2, 2, 3, 0, 2, 2, 1, 0),
                    ints(0, 0, 3)),
            new OracleCase(nodes("a", 1, "b", 2, "c", 3, "d", 4, "e", 15),
                    784, 0xe3879cb751316807L, ints(28, 60, 92, 124, 480),
                    ints(3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 4, 3, 4, 2, 4),
                    ints(4, 4, 4, 3, 2, 0, 3, 1, 4, 1, 4, 4, 4, 4, 4, 2),
                    ints(2, 2, 4)),
            new OracleCase(List.of(new Node("s1", 1, true), new Node("s2", 3, false), new Node("s3", 2, true), new Node("s4", 5, true)),
                    480, 0x0382a8956ac20e92L, ints(60, 0, 120, 300),
                    ints(3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 2, 3, 0),
                    ints(0, 3, 2, 2, 0, 0, 3, 3, 2, 3, 2, 2, 0, 3, 3, 2),
                    ints(3, 3, 3)),
            new OracleCase(nodes("big", 100, "small", 1),
                    316, 0x7b5c4b069255745bL, ints(316, 0),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    ints(0, 0, 0)),
            new OracleCase(nodes("x".repeat(300), 1, "short", 1),
                    320, 0x51a0dff41ae60cf0L, ints(160, 160),
                    ints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                    ints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                    ints(1, 1, 1)),
            new OracleCase(nodes("s\u00e9rv\u00e9r-\u03b1", 1, "plain", 2),
                    316, 0xe4dadecab44aca74L, ints(104, 212),
                    ints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                    ints(0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
                    ints(1, 1, 1)),
            new OracleCase(nodes("node-546", 1, "node-699", 1),
                    320, 0x4de4d3a3ccb8b4f4L, ints(160, 160),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1),
                    ints(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0),
                    ints(0, 0, 0)),
            new OracleCase(nodes("node-699", 1, "node-546", 1),
                    320, 0x4e16bb49240f0114L, ints(160, 160),
                    ints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0),
                    ints(1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1),
                    ints(1, 1, 0)),
            new OracleCase(nodes("only", 7),
                    160, 0x1b4b0f976d7f187aL, ints(160),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    ints(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                    ints(0, 0, 0)),
    };

    @Test
    void ketamaMatchesTwemproxy() {
        for (OracleCase c : ORACLE) {
            String what = c.servers().toString();
            KetamaContinuum ring = (KetamaContinuum) Continuum.build(Distribution.KETAMA, c.servers());
            assertEquals(c.points(), ring.pointCount(), what);

            int[] perServer = new int[c.servers().size()];
            long fingerprint = 0xcbf29ce484222325L;
            for (int i = 0; i < ring.pointCount(); i++) {
                perServer[ring.pointServer(i)]++;
                long value = ring.pointValue(i);
                long owner = ring.pointServer(i);
                for (int b = 0; b < 8; b++) {
                    long word = b < 4 ? value : owner;
                    fingerprint ^= (word >>> (8 * (b & 3))) & 0xff;
                    fingerprint *= 0x100000001b3L;
                }
            }
            assertArrayEquals(c.pointsPerServer(), perServer, what);
            assertEquals(c.fingerprint(), fingerprint, what);

            for (int k = 0; k < DISPATCH_KEYS.length; k++) {
                byte[] key = utf8(DISPATCH_KEYS[k]);
                assertEquals(c.fnv1a64Dispatch()[k], ring.serverIndex(KeyHash.FNV1A_64.hash(key)),
                        what + " fnv1a_64 " + DISPATCH_KEYS[k]);
                assertEquals(c.md5Dispatch()[k], ring.serverIndex(KeyHash.MD5.hash(key)),
                        what + " md5 " + DISPATCH_KEYS[k]);
            }
            for (int h = 0; h < DISPATCH_HASHES.length; h++) {
                assertEquals(c.rawDispatch()[h], ring.serverIndex(DISPATCH_HASHES[h]),
                        what + " hash " + DISPATCH_HASHES[h]);
            }
        }
    }

    @Test
    void ketamaPointsPerServerUsesTwemproxysFloatArithmetic() {
        // 1f/25f is 0.0399999991; * 160 = 6.3999996f, / 4 = 1.5999999f, * 5 = 7.9999995f, and
        // adding 1e-10 does not lift it to 8: floor 7 groups = 28 points, not 32 (oracle case a..e).
        assertEquals(28, KetamaContinuum.pointsPerServer(1, 25, 5));
        assertEquals(480, KetamaContinuum.pointsPerServer(15, 25, 5));
        assertEquals(160, KetamaContinuum.pointsPerServer(1, 3, 3));
        assertEquals(160, KetamaContinuum.pointsPerServer(7, 7, 1));
        assertEquals(0, KetamaContinuum.pointsPerServer(1, 101, 2));
    }

    @Test
    void ketamaFindsTheFirstPointAtOrAboveTheHashAndWraps() {
        KetamaContinuum ring = (KetamaContinuum) Continuum.build(Distribution.KETAMA,
                nodes("10.0.0.1:11211", 1, "10.0.0.2:11211", 1, "10.0.0.3:11211", 1));
        int last = ring.pointCount() - 1;
        for (int i = 0; i <= last; i++) {
            long value = ring.pointValue(i);
            assertEquals(ring.pointServer(i), ring.serverIndex(value));
            if (i > 0 && ring.pointValue(i - 1) < value) {
                assertEquals(ring.pointServer(i), ring.serverIndex(value - 1));
            }
        }
        assertEquals(ring.pointServer(0), ring.serverIndex(ring.pointValue(last) + 1));
        assertEquals(ring.pointServer(0), ring.serverIndex(0xffffffffL));
        assertEquals(ring.pointServer(0), ring.serverIndex(0));
    }

    /**
     * The bucket index only narrows the search: every hash, around every point and at every
     * bucket boundary, lands where a scan of the whole ring says (first point >= hash, else wrap).
     */
    @Test
    void ketamaBucketIndexAgreesWithAWholeRingScan() {
        Random random = new Random(7);
        for (int servers : new int[] {1, 2, 3, 16, 60}) {
            List<Node> nodes = new ArrayList<>();
            for (int s = 0; s < servers; s++) {
                nodes.add(new Node("10.0.0." + s + ":6379", 1 + s % 3, true));
            }
            KetamaContinuum ring = (KetamaContinuum) Continuum.build(Distribution.KETAMA, nodes);
            List<Long> hashes = new ArrayList<>(List.of(0L, 1L, 0xffffffffL, 0xfffffffeL));
            for (int i = 0; i < ring.pointCount(); i++) {
                long v = ring.pointValue(i);
                hashes.add(v);
                hashes.add((v - 1) & 0xffffffffL);
                hashes.add((v + 1) & 0xffffffffL);
            }
            for (long b = 0; b < 1024; b++) {
                hashes.add(b << 22);
                hashes.add(((b << 22) - 1) & 0xffffffffL);
            }
            for (int i = 0; i < 20_000; i++) {
                hashes.add(random.nextInt() & 0xffffffffL);
            }
            for (long hash : hashes) {
                int expected = ring.pointServer(0);
                for (int i = 0; i < ring.pointCount(); i++) {
                    if (ring.pointValue(i) >= hash) {
                        expected = ring.pointServer(i);
                        break;
                    }
                }
                assertEquals(expected, ring.serverIndex(hash), servers + " servers, hash " + hash);
            }
        }
    }

    @Test
    void ketamaIsDeterministic() {
        List<Node> servers = nodes("alpha", 2, "beta", 1, "gamma", 3);
        Continuum first = Continuum.build(Distribution.KETAMA, servers);
        Continuum second = Continuum.build(Distribution.KETAMA, List.copyOf(servers));
        Random random = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long hash = random.nextInt() & 0xffffffffL;
            assertEquals(first.serverIndex(hash), second.serverIndex(hash));
        }
    }

    @Test
    void ketamaSpreadsKeysRoughlyByWeight() {
        int[] weights = {1, 2, 3, 4};
        List<Node> servers = nodes("10.0.0.1:6379", 1, "10.0.0.2:6379", 2, "10.0.0.3:6379", 3, "10.0.0.4:6379", 4);
        Continuum ring = Continuum.build(Distribution.KETAMA, servers);
        int keys = 100_000;
        int[] counts = new int[weights.length];
        for (int i = 0; i < keys; i++) {
            counts[ring.serverIndex(KeyHash.MURMUR.hash(utf8("user:" + i)))]++;
        }
        for (int s = 0; s < weights.length; s++) {
            double expected = keys * weights[s] / 10.0;
            assertTrue(Math.abs(counts[s] - expected) < expected * 0.25,
                    "server " + s + " got " + counts[s] + ", expected about " + expected);
        }
    }

    @Test
    void ejectingAKetamaServerMovesOnlyItsKeys() {
        List<Node> all = nodes("s0", 1, "s1", 1, "s2", 1, "s3", 1, "s4", 1);
        List<Node> withoutS2 = new ArrayList<>(all);
        withoutS2.set(2, new Node("s2", 1, false));
        Continuum before = Continuum.build(Distribution.KETAMA, all);
        Continuum after = Continuum.build(Distribution.KETAMA, withoutS2);
        assertEquals(4, after.liveServerCount());

        int moved = 0;
        for (int i = 0; i < 20_000; i++) {
            long hash = KeyHash.MD5.hash(utf8("k" + i));
            int was = before.serverIndex(hash);
            int now = after.serverIndex(hash);
            assertNotEquals(2, now);
            if (was != 2) {
                // With equal weights, 5 and 4 live servers both give each server 160 points.
                assertEquals(was, now, "key k" + i + " moved off a surviving server");
            } else {
                moved++;
            }
        }
        assertTrue(moved > 20_000 / 10, "s2 should have owned about a fifth of the keys, had " + moved);
    }

    @Test
    void ketamaWithNoLiveServerIsEmpty() {
        List<Node> dead = List.of(new Node("a", 1, false), new Node("b", 2, false));
        Continuum ring = Continuum.build(Distribution.KETAMA, dead);
        assertTrue(ring.isEmpty());
        assertEquals(0, ring.liveServerCount());
        assertEquals(-1, ring.serverIndex(0));
        assertEquals(-1, ring.serverIndex(123456789L));
        assertTrue(Continuum.build(Distribution.KETAMA, List.of()).isEmpty());
    }

    @Test
    void ketamaUsesOnlyTheLow32BitsOfTheHash() {
        Continuum ring = Continuum.build(Distribution.KETAMA, nodes("a", 1, "b", 1, "c", 1));
        assertEquals(ring.serverIndex(12345L), ring.serverIndex((7L << 32) | 12345L));
    }

    // ---------------------------------------------------------------- modula

    @Test
    void modulaHasOneSlotPerUnitOfWeight() {
        Continuum ring = Continuum.build(Distribution.MODULA, nodes("a", 1, "b", 3));
        assertFalse(ring.isEmpty());
        assertEquals(0, ring.serverIndex(0));
        assertEquals(1, ring.serverIndex(1));
        assertEquals(1, ring.serverIndex(2));
        assertEquals(1, ring.serverIndex(3));
        assertEquals(0, ring.serverIndex(4));
        assertEquals(1, ring.serverIndex(5));
        assertEquals(1, ring.serverIndex(0xffffffffL)); // 4294967295 % 4 = 3
        assertEquals(0, ring.serverIndex(0xfffffffcL)); // % 4 = 0
    }

    @Test
    void modulaMatchesAMaterialisedSlotTable() {
        List<Node> servers = List.of(new Node("a", 2, true), new Node("b", 5, false), new Node("c", 1, true),
                new Node("d", 4, true), new Node("e", 3, true));
        // twemproxy's modula_update: live servers in index order, one slot per unit of weight.
        List<Integer> slots = new ArrayList<>();
        for (int s = 0; s < servers.size(); s++) {
            for (int w = 0; w < servers.get(s).weight() && servers.get(s).live(); w++) {
                slots.add(s);
            }
        }
        Continuum ring = Continuum.build(Distribution.MODULA, servers);
        assertEquals(4, ring.liveServerCount());
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            long hash = random.nextInt() & 0xffffffffL;
            assertEquals((int) slots.get((int) (hash % slots.size())), ring.serverIndex(hash), "hash " + hash);
        }
        for (long hash = 0; hash < 40; hash++) {
            assertEquals((int) slots.get((int) (hash % slots.size())), ring.serverIndex(hash), "hash " + hash);
        }
    }

    @Test
    void modulaWithNoLiveServerIsEmpty() {
        Continuum ring = Continuum.build(Distribution.MODULA, List.of(new Node("a", 1, false)));
        assertTrue(ring.isEmpty());
        assertEquals(-1, ring.serverIndex(7));
    }

    // ---------------------------------------------------------------- random

    @Test
    void randomPicksLiveServersIgnoringWeightAndHash() {
        List<Node> servers = List.of(new Node("a", 1, true), new Node("b", 100, false), new Node("c", 9, true),
                new Node("d", 1, true));
        Continuum ring = Continuum.build(Distribution.RANDOM, servers);
        assertEquals(3, ring.liveServerCount());
        int[] counts = new int[servers.size()];
        for (int i = 0; i < 30_000; i++) {
            counts[ring.serverIndex(42)]++;
        }
        assertEquals(0, counts[1]);
        for (int s : new int[] {0, 2, 3}) {
            assertTrue(counts[s] > 8_000 && counts[s] < 12_000, "server " + s + " picked " + counts[s] + " times");
        }
    }

    @Test
    void randomWithNoLiveServerIsEmpty() {
        Continuum ring = Continuum.build(Distribution.RANDOM, List.of(new Node("a", 1, false)));
        assertTrue(ring.isEmpty());
        assertEquals(-1, ring.serverIndex(0));
    }

    // ---------------------------------------------------------------- nodes

    @Test
    void everyDistributionHandlesASingleServer() {
        for (Distribution d : Distribution.values()) {
            Continuum ring = Continuum.build(d, nodes("solo", 3));
            for (long hash : new long[] {0, 1, 0x7fffffffL, 0xffffffffL}) {
                assertEquals(0, ring.serverIndex(hash), d.name());
            }
        }
    }

    @Test
    void nodesNeedANameAndAPositiveWeight() {
        assertThrows(IllegalArgumentException.class, () -> new Node("a", 0, true));
        assertThrows(IllegalArgumentException.class, () -> new Node("a", -1, true));
        assertThrows(NullPointerException.class, () -> new Node(null, 1, true));
    }
}
