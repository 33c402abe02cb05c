package io.twd.tests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twd.tests.support.FreePorts;
import io.twd.tests.support.RedisServer;
import io.twd.tests.support.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Backend faults under load: clients keep hammering keys on every server while one server is
 * killed and restarted, frozen past the pool's timeout, or made to answer errors. Only requests
 * for that server fail, with twemproxy's texts; the others see nothing; the server's keys work
 * again once it does; and with auto_eject_hosts the server is ejected and returns as configured.
 * (Single faults without load: ErrorsTest, EjectionTest, MemcacheFailureTest.)
 */
class BackendFaultsTest {
    private static final Set<String> DEAD_SERVER_TEXTS = Set.of(
        "-ERR Connection refused", "-ERR Connection reset by peer", "-ERR Connection timed out");

    private static String yaml(RedisServer[] servers, String... extra) {
        List<String> lines = new ArrayList<>(List.of(
            "alpha:",
            "  listen: 127.0.0.1:" + FreePorts.allocate(),
            "  redis: true",
            "  timeout: 500"));
        for (String e : extra) {
            lines.add("  " + e);
        }
        lines.add("  servers:");
        for (int i = 0; i < servers.length; i++) {
            lines.add("   - " + servers[i].serverLine(1, "r" + (i + 1)));
        }
        lines.add("");
        return String.join("\n", lines);
    }

    /** Which server each key is on: set through twd, found there directly. */
    private static Map<String, Integer> placement(LiveTwd twd, RedisServer[] servers, List<String> keys) {
        Map<String, Integer> where = new HashMap<>();
        List<Resp> direct = new ArrayList<>();
        try (Resp c = twd.redis("alpha")) {
            for (RedisServer s : servers) {
                direct.add(s.client());
            }
            for (String k : keys) {
                assertEquals("OK", c.call("SET", k, "probe"));
                for (int i = 0; i < servers.length; i++) {
                    if ("probe".equals(direct.get(i).call("GET", k))) {
                        where.put(k, i);
                    }
                }
            }
        } finally {
            direct.forEach(Resp::close);
        }
        assertEquals(keys.size(), where.size());
        return where;
    }

    /** 20 keys on each server (candidates are tried until each has its share). */
    private static Map<String, Integer> keysOnEveryServer(LiveTwd twd, RedisServer[] servers) {
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            candidates.add("bf" + i);
        }
        Map<String, Integer> all = placement(twd, servers, candidates);
        Map<String, Integer> chosen = new HashMap<>();
        int[] count = new int[servers.length];
        for (String k : candidates) {
            int s = all.get(k);
            if (count[s] < 20) {
                count[s]++;
                chosen.put(k, s);
            }
        }
        for (int c : count) {
            assertEquals(20, c, "not enough keys on every server: " + java.util.Arrays.toString(count));
        }
        return chosen;
    }

    /** Waits until {@code load} has failed at least once (or throws after 20 s). */
    private static void awaitFailures(RedisLoad load, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (load.failures().size() < n) {
            assertTrue(System.nanoTime() < deadline, "no failure while a server is down");
            LiveTwd.sleep(10);
        }
    }

    /** Every failure is on a key of server {@code victim}, with a text {@code expected} accepts. */
    private static void assertOnlyVictim(List<RedisLoad.Failure> failures, Map<String, Integer> where, int victim,
                                         Predicate<String> expected) {
        assertFalse(failures.isEmpty());
        for (RedisLoad.Failure f : failures) {
            assertTrue(f.key() != null, "a connection failed: " + f);
            assertEquals(victim, where.get(f.key()), "a failure on another server's key: " + f);
            assertTrue(expected.test(f.what()), "unexpected text: " + f);
        }
    }

    private static boolean deadServerText(String what) {
        // SET: -ERR ..., or GET: -ERR ... ; never a wrong value
        String text = what.substring(what.indexOf(' ') + 1);
        return DEAD_SERVER_TEXTS.contains(text);
    }

    /** Failures stop: a window with progress and no new failure (the fault is over). */
    private static void assertRecovers(RedisLoad load) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            int before = load.failures().size();
            load.awaitProgress(300);
            if (load.failures().size() == before) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "failures go on: " + load.failures().subList(before, load.failures().size()));
        }
    }

    @Test
    void aKilledThenRestartedOrFrozenServerFailsOnlyItsOwnKeys() {
        RedisServer[] servers = {RedisServer.start(), RedisServer.start(), RedisServer.start()};
        try (LiveTwd twd = LiveTwd.start(yaml(servers))) {
            Map<String, Integer> where = keysOnEveryServer(twd, servers);
            List<String> keys = new ArrayList<>(where.keySet());
            try (RedisLoad load = new RedisLoad(twd.port(), 6, keys, false)) {
                load.awaitProgress(300);
                assertEquals(List.of(), load.failures());

                // Killed under load, then restarted on its port: twd reconnects by itself.
                servers[1].kill();
                awaitFailures(load, 5);
                LiveTwd.sleep(300);
                servers[1].restart();
                assertRecovers(load);
                assertOnlyVictim(load.failures(), where, 1, BackendFaultsTest::deadServerText);
                int afterKill = load.failures().size();

                // Frozen (SIGSTOP) longer than the pool's 500 ms timeout, then thawed.
                servers[2].process().signal("STOP");
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (load.failures().size() == afterKill) {
                        assertTrue(System.nanoTime() < deadline, "no timeout while a server is frozen: ok="
                            + load.ok() + " r3 keys=" + where.values().stream().filter(v -> v == 2).count()
                            + " stats=" + twd.stats().raw() + "\n" + twd.logTail());
                        LiveTwd.sleep(10);
                    }
                    LiveTwd.sleep(1200);
                } finally {
                    servers[2].process().signal("CONT");
                }
                assertRecovers(load);
                List<RedisLoad.Failure> frozen = load.failures().subList(afterKill, load.failures().size());
                assertOnlyVictim(frozen, where, 2, w -> w.endsWith("-ERR Connection timed out"));
                assertTrue(twd.stats().serverMetric("alpha", "r3", "server_timedout") > 0);
                assertTrue(twd.process().isAlive());
            }
        } finally {
            for (RedisServer s : servers) {
                s.close();
            }
        }
    }

    /**
     * A server that answers every write with -OOM (maxmemory 1): the error reaches the clients of
     * its keys as it is; with auto_eject_hosts each -OOM counts as a failure, so after
     * server_failure_limit of them in a row it is ejected and its keys go to the others until
     * server_retry_timeout has passed. Once it accepts writes again, nothing fails.
     */
    @Test
    void aServerAnsweringErrorsIsPassedThroughThenEjectedAndReturns() {
        RedisServer[] servers = {RedisServer.start(), RedisServer.start(), RedisServer.start()};
        try (LiveTwd twd = LiveTwd.start(yaml(servers, "auto_eject_hosts: true", "server_failure_limit: 2",
                "server_retry_timeout: 1000"))) {
            Map<String, Integer> where = keysOnEveryServer(twd, servers);
            List<String> keys = new ArrayList<>(where.keySet());
            try (RedisLoad load = new RedisLoad(twd.port(), 6, keys, false);
                 Resp r1 = servers[0].client()) {
                load.awaitProgress(300);
                assertEquals("OK", r1.call("CONFIG", "SET", "maxmemory-policy", "noeviction"));
                assertEquals("OK", r1.call("CONFIG", "SET", "maxmemory", "1"));
                awaitFailures(load, 3);
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (twd.stats().poolMetric("alpha", "server_ejects") == 0) {
                    assertTrue(System.nanoTime() < deadline, "r1 was never ejected");
                    LiveTwd.sleep(20);
                }
                LiveTwd.sleep(2500); // ejected, back after 1 s, failing again: at least once more
                assertEquals("OK", r1.call("CONFIG", "SET", "maxmemory", "0"));
                assertRecovers(load);
                // Errors pass through as redis wrote them; a key may read back missing when its
                // server was ejected (or came back) between its SET and its GET.
                assertOnlyVictim(load.failures(), where, 0,
                    w -> w.startsWith("SET: -OOM ") || w.startsWith("GET: "));
                assertTrue(load.failures().stream().anyMatch(f -> f.what().startsWith("SET: -OOM command not allowed")),
                    load.failures().toString());
                assertTrue(twd.stats().poolMetric("alpha", "server_ejects") >= 2, "ejected, returned, ejected again");
            }
        } finally {
            for (RedisServer s : servers) {
                s.close();
            }
        }
    }
}
