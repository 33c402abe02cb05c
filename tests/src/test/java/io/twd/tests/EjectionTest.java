package io.twd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.Nutcracker;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import io.twd.tests.support.StatsClient;
import io.twd.tests.support.TwdProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code auto_eject_hosts}: a dead backend is taken out of the ring after
 * {@code server_failure_limit} failures, its keys go to the other servers (ketama moves only
 * those), and it is put back after {@code server_retry_timeout}. Without it, a dead backend's
 * keys keep failing and the others keep working.
 */
class EjectionTest {
    private static final String[] NAMES = {"a", "b", "c"};
    private static final int KEYS = 60;
    private static final List<RedisServer> backends = new ArrayList<>();
    /** Key to server name, with every server up, as nutcracker places it. */
    private static final Map<String, String> placement = new LinkedHashMap<>();
    private static final int VICTIM = 1; // "b"

    @BeforeAll
    static void start() {
        for (int i = 0; i < NAMES.length; i++) backends.add(RedisServer.start());
        // Learn where each key lives with every server up, from the reference proxy.
        try (Nutcracker ref = Nutcracker.start(config(true, 1500)); Resp c = ref.redis("pool")) {
            for (int i = 0; i < KEYS; i++) assertEquals("OK", c.call("SET", key(i), "x"));
        }
        for (int i = 0; i < KEYS; i++) placement.put(key(i), holder(key(i)));
        flushAll();
        long onVictim = placement.values().stream().filter(NAMES[VICTIM]::equals).count();
        assertTrue(onVictim >= 5 && onVictim < KEYS, "md5 puts some keys on " + NAMES[VICTIM] + ": " + onVictim);
    }

    @AfterAll
    static void stop() {
        for (RedisServer r : backends) r.stop();
    }

    @AfterEach
    void victimBackUp() {
        RedisServer v = backends.get(VICTIM);
        if (!v.process().isAlive()) v.restart();
        flushAll();
    }

    private static String config(boolean autoEject, int retryMillis) {
        StringBuilder y = new StringBuilder("pool:\n  listen: 127.0.0.1:" + FreePorts.allocate() + "\n  redis: true\n"
                + "  hash: md5\n  distribution: ketama\n  timeout: 1000\n"
                + "  auto_eject_hosts: " + autoEject + "\n  server_failure_limit: 1\n"
                + "  server_retry_timeout: " + retryMillis + "\n  servers:\n");
        for (int i = 0; i < NAMES.length; i++) y.append("   - ").append(backends.get(i).serverLine(1, NAMES[i])).append('\n');
        return y.toString();
    }

    private static String key(int i) {
        return "eject:" + i;
    }

    /** The name of the backend holding {@code key} right now, or null; fails if two hold it. */
    private static String holder(String key) {
        String found = null;
        for (int i = 0; i < backends.size(); i++) {
            if (!backends.get(i).process().isAlive()) continue;
            try (Resp d = backends.get(i).client()) {
                if ((Long) d.call("EXISTS", key) == 1) {
                    assertEquals(null, found, key + " is on two servers");
                    found = NAMES[i];
                }
            }
        }
        return found;
    }

    private static boolean holds(int backend, String key) {
        try (Resp d = backends.get(backend).client()) {
            return (Long) d.call("EXISTS", key) == 1;
        }
    }

    private static void flushAll() {
        for (RedisServer r : backends) {
            if (!r.process().isAlive()) continue;
            try (Resp d = r.client()) {
                d.call("FLUSHALL");
            }
        }
    }

    private static List<String> keysOn(String name) {
        List<String> keys = new ArrayList<>();
        placement.forEach((k, s) -> {
            if (s.equals(name)) keys.add(k);
        });
        return keys;
    }

    private static final Resp.Error REFUSED = new Resp.Error("ERR Connection refused");

    @Test
    void aDeadServerIsEjectedAndComesBackAfterTheRetryTimeout() throws Exception {
        String victim = NAMES[VICTIM];
        List<String> victimKeys = keysOn(victim);
        try (TwdProcess twd = TwdProcess.start(config(true, 1500)); Resp c = twd.redis("pool")) {
            // Nothing has touched the victim yet: its first request is what finds it dead.
            assertEquals(137, backends.get(VICTIM).kill());
            long killedAt = System.nanoTime();
            assertEquals(REFUSED, c.call("SET", victimKeys.get(0), "first"), "the first request to a dead server fails");

            // Ejected (server_failure_limit 1): the ring is rebuilt without it, and every key is
            // served. Only the writes happen inside the 1.5 s window; where they went is read after.
            List<String[]> writes = new ArrayList<>();
            for (String k : placement.keySet()) writes.add(new String[] {"SET", k, "after"});
            List<Object> replies = c.pipeline(writes);
            for (int i = 0; i < writes.size(); i++) assertEquals("OK", replies.get(i), writes.get(i)[1] + " after the ejection");
            long window = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(window < 1500, "this machine is too slow for a 1.5 s retry timeout: the writes took " + window + " ms");
            Map<String, String> now = new LinkedHashMap<>();
            for (String k : placement.keySet()) now.put(k, holder(k));
            for (String k : victimKeys) {
                assertTrue(now.get(k) != null && !now.get(k).equals(victim), k + " moved to a live server: " + now.get(k));
            }
            // Ketama moves only the dead server's keys.
            placement.forEach((k, s) -> {
                if (!s.equals(victim)) assertEquals(s, now.get(k), k + " stays where it was");
            });

            StatsClient.Stats stats = twd.stats();
            assertTrue(stats.poolMetric("pool", "server_ejects") >= 1, stats.raw());
            long ejectedAtMicros = stats.serverMetric("pool", victim, "server_ejected_at");
            long nowMicros = System.currentTimeMillis() * 1000;
            assertTrue(ejectedAtMicros > nowMicros - 60_000_000L && ejectedAtMicros <= nowMicros,
                    "server_ejected_at is the ejection time in microseconds: " + ejectedAtMicros);
            assertEquals(0, stats.serverMetric("pool", NAMES[0], "server_ejected_at"), "a never ejected server");

            // Back on the same port; after the retry timeout its keys return to it.
            flushAll();
            backends.get(VICTIM).restart();
            long deadline = System.nanoTime() + 10_000_000_000L;
            String k = victimKeys.get(1);
            while (true) {
                Object reply = c.call("SET", k, "home");
                // (While it is out, the SETs land on another server, so k may be on two now.)
                if ("OK".equals(reply) && holds(VICTIM, k)) break;
                assertTrue(System.nanoTime() < deadline, k + " never returned to " + victim + "; last reply " + reply
                        + "\n" + twd.logTail());
                Thread.sleep(100);
            }
            long back = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(back >= 1400, "returned after " + back + " ms, before the 1500 ms retry timeout");
            for (String vk : victimKeys) {
                assertEquals("OK", c.call("SET", vk, "home"));
                assertTrue(holds(VICTIM, vk), vk + " is back on " + victim);
            }
        }
    }

    /**
     * The ring rebuilt without the dead server (weights re-spread over the live ones) places
     * keys exactly as nutcracker's does, for ketama and modula. Both proxies run one after the
     * other on the same backends, with a retry timeout long enough to stay ejected.
     */
    @Test
    void theRebuiltRingMatchesNutcrackers() throws Exception {
        String victim = NAMES[VICTIM];
        int[] weights = {3, 1, 2};
        StringBuilder y = new StringBuilder();
        for (String dist : List.of("ketama", "modula")) {
            y.append(dist).append(":\n  listen: 127.0.0.1:").append(FreePorts.allocate()).append("\n  redis: true\n")
                    .append("  hash: murmur\n  distribution: ").append(dist).append('\n')
                    .append("  auto_eject_hosts: true\n  server_failure_limit: 1\n  server_retry_timeout: 60000\n")
                    .append("  redis_db: ").append(dist.equals("ketama") ? 1 : 2).append("\n  servers:\n");
            for (int i = 0; i < NAMES.length; i++) {
                y.append("   - ").append(backends.get(i).serverLine(weights[i], NAMES[i])).append('\n');
            }
        }
        List<Map<String, String>> results = new ArrayList<>();
        for (boolean useTwd : new boolean[] {false, true}) {
            if (!backends.get(VICTIM).process().isAlive()) backends.get(VICTIM).restart();
            flushAll();
            try (io.twd.tests.support.ProxyProcess p = useTwd ? TwdProcess.start(y.toString()) : Nutcracker.start(y.toString())) {
                backends.get(VICTIM).kill();
                Map<String, String> where = new LinkedHashMap<>();
                for (String dist : List.of("ketama", "modula")) {
                    try (Resp c = p.redis(dist)) {
                        // Find the first key that the full ring gives to the victim: its failure ejects it.
                        int refused = 0;
                        for (int i = 0; i < 200; i++) {
                            Object reply = c.call("SET", dist + ":" + i, "v");
                            if (REFUSED.equals(reply)) refused++;
                            else assertEquals("OK", reply, p + " " + dist + ":" + i);
                        }
                        assertEquals(1, refused, p + " " + dist + ": exactly one request finds the victim dead");
                    }
                    int db = dist.equals("ketama") ? 1 : 2;
                    for (int i = 0; i < NAMES.length; i++) {
                        if (i == VICTIM) continue;
                        try (Resp d = backends.get(i).client()) {
                            d.call("SELECT", Integer.toString(db));
                            for (Object k : (List<?>) d.call("KEYS", "*")) where.put((String) k, NAMES[i]);
                        }
                    }
                }
                results.add(where);
            }
        }
        assertEquals(2 * 200 - 2, results.get(0).size(), "nutcracker stored all but the two refused keys");
        assertEquals(new java.util.TreeMap<>(results.get(0)), new java.util.TreeMap<>(results.get(1)),
                "placement after ejecting " + victim + " differs from nutcracker's");
        for (int i = 0; i < NAMES.length; i++) {
            if (i == VICTIM) continue;
            assertTrue(results.get(1).containsValue(NAMES[i]), NAMES[i] + " is used");
        }
    }

    @Test
    void withoutAutoEjectADeadServersKeysKeepFailing() throws Exception {
        String victim = NAMES[VICTIM];
        List<String> victimKeys = keysOn(victim);
        try (TwdProcess twd = TwdProcess.start(config(false, 300)); Resp c = twd.redis("pool")) {
            assertEquals(137, backends.get(VICTIM).kill());
            for (int round = 0; round < 3; round++) {
                for (String k : victimKeys.subList(0, 3)) assertEquals(REFUSED, c.call("SET", k, "v"), k);
                for (Map.Entry<String, String> e : placement.entrySet()) {
                    if (e.getValue().equals(victim)) continue;
                    assertEquals("OK", c.call("SET", e.getKey(), "v"), e.getKey());
                }
                Thread.sleep(400); // past server_retry_timeout: without auto_eject it changes nothing
            }
            StatsClient.Stats stats = twd.stats();
            assertEquals(0, stats.poolMetric("pool", "server_ejects"), stats.raw());
            assertEquals(0, stats.serverMetric("pool", victim, "server_ejected_at"));
            assertFalse(c.isClosedByPeer(java.time.Duration.ofMillis(50)));
        }
    }
}
